/*
 * Inodes: allocation, reference counting, link counts and times.
 *
 * An inode lives as long as someone refers to it: a dentry that names it,
 * an open file (through its dentry), a path walk that is following one of
 * its symlinks.  When the last reference goes, the file system's
 * evict_inode frees what it attached (tmpfs: the file's pages), then the
 * inode itself is freed.  For tmpfs the dentries that name a file keep it
 * referenced, so an inode goes away exactly when it has no names left and
 * nobody has it open.
 */
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <panic.h>
#include <string.h>
#include <time.h>
#include <writeback.h>

#define INODE_HASH_BUCKETS 256

/* Lock order: inode_hash_lock -> inode->i_lock. */
static struct spinlock inode_hash_lock = SPINLOCK_INIT("inode_hash");
static struct list_head inode_hash[INODE_HASH_BUCKETS];	/* inode_hash_lock */
static bool inode_hash_ready;				/* inode_hash_lock */

static struct list_head *inode_bucket(struct super_block *sb, u64 ino)
{
	if (!inode_hash_ready) {
		for (int i = 0; i < INODE_HASH_BUCKETS; i++)
			list_init(&inode_hash[i]);
		inode_hash_ready = true;
	}
	return &inode_hash[((u64)sb / 64 + ino) % INODE_HASH_BUCKETS];
}

struct inode *ilookup(struct super_block *sb, u64 ino)
{
	struct inode *inode, *found = NULL;

	spin_lock(&inode_hash_lock);
	list_for_each_entry(inode, inode_bucket(sb, ino), i_hash) {
		if (inode->i_sb == sb && inode->i_ino == ino) {
			spin_lock(&inode->i_lock);
			inode->i_count++;	/* > 0: one at zero has left the hash */
			spin_unlock(&inode->i_lock);
			found = inode;
			break;
		}
	}
	spin_unlock(&inode_hash_lock);
	return found;
}

void inode_hash_insert(struct inode *inode)
{
	spin_lock(&inode_hash_lock);
	list_add(&inode->i_hash, inode_bucket(inode->i_sb, inode->i_ino));
	spin_unlock(&inode_hash_lock);
}

struct inode *new_inode(struct super_block *sb)
{
	struct inode *inode = kzalloc(sizeof(*inode), GFP_KERNEL);

	if (!inode)
		return NULL;
	rwsem_init(&inode->i_rwsem, "inode");
	spin_init(&inode->i_lock, "inode");
	inode->i_count = 1;
	inode->i_nlink = 1;
	inode->i_sb = sb;
	inode->i_mapping = &inode->i_data;
	list_init(&inode->i_hash);
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time();
	spin_lock(&sb->s_lock);
	inode->i_ino = ++sb->s_next_ino;
	sb->s_inodes++;
	spin_unlock(&sb->s_lock);
	return inode;
}

void ihold(struct inode *inode)
{
	spin_lock(&inode->i_lock);
	BUG_ON(inode->i_count <= 0);
	inode->i_count++;
	spin_unlock(&inode->i_lock);
}

struct inode *igrab(struct inode *inode)
{
	bool alive;

	spin_lock(&inode->i_lock);
	alive = inode->i_count > 0;
	if (alive)
		inode->i_count++;
	spin_unlock(&inode->i_lock);
	return alive ? inode : NULL;
}

void iput(struct inode *inode)
{
	struct super_block *sb;
	bool hashed;
	int left;

	if (!inode)
		return;
	/*
	 * A hashed inode leaves the hash in the same step as its count drops
	 * to zero, so ilookup never revives one on its way out.  (Only iput
	 * takes an inode off the hash, and we hold a reference: the test
	 * needs no lock.)
	 */
	hashed = !list_empty(&inode->i_hash);
	if (hashed)
		spin_lock(&inode_hash_lock);
	spin_lock(&inode->i_lock);
	BUG_ON(inode->i_count <= 0);
	left = --inode->i_count;
	if (!left && hashed)
		list_del_init(&inode->i_hash);
	spin_unlock(&inode->i_lock);
	if (hashed)
		spin_unlock(&inode_hash_lock);
	if (left)
		return;
	sb = inode->i_sb;
	if (sb->s_op && sb->s_op->evict_inode)
		sb->s_op->evict_inode(inode);
	flusher_forget_mapping(&inode->i_data);	/* its pages are gone with it */
	spin_lock(&sb->s_lock);
	sb->s_inodes--;
	spin_unlock(&sb->s_lock);
	kfree(inode);
}

unsigned int inode_nlink(struct inode *inode)
{
	return READ_ONCE(inode->i_nlink);
}

void inc_nlink(struct inode *inode)
{
	spin_lock(&inode->i_lock);
	inode->i_nlink++;
	spin_unlock(&inode->i_lock);
}

void drop_nlink(struct inode *inode)
{
	spin_lock(&inode->i_lock);
	WARN_ON(inode->i_nlink == 0);
	if (inode->i_nlink)
		inode->i_nlink--;
	spin_unlock(&inode->i_lock);
}

void clear_nlink(struct inode *inode)
{
	spin_lock(&inode->i_lock);
	inode->i_nlink = 0;
	spin_unlock(&inode->i_lock);
}

/* File times are wall-clock times (CLOCK_REALTIME, from the CMOS clock at boot). */
struct timespec64 current_time(void)
{
	u64 ns = clock_ns() + realtime_offset();

	return (struct timespec64){ .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
}

void mark_inode_dirty(struct inode *inode)
{
	const struct super_operations *ops = inode->i_sb->s_op;

	if (ops && ops->dirty_inode)
		ops->dirty_inode(inode);
}

void inode_touch_mtime(struct inode *inode)
{
	struct timespec64 now = current_time();

	spin_lock(&inode->i_lock);
	inode->i_mtime = inode->i_ctime = now;
	spin_unlock(&inode->i_lock);
	mark_inode_dirty(inode);
}

void inode_touch_ctime(struct inode *inode)
{
	struct timespec64 now = current_time();

	spin_lock(&inode->i_lock);
	inode->i_ctime = now;
	spin_unlock(&inode->i_lock);
	mark_inode_dirty(inode);
}

void setattr_copy(struct inode *inode, const struct iattr *attr)
{
	unsigned int valid = attr->ia_valid;

	spin_lock(&inode->i_lock);
	if (valid & ATTR_MODE)
		inode->i_mode = (inode->i_mode & S_IFMT) | (attr->ia_mode & S_IALLUGO);
	if (valid & ATTR_UID)
		inode->i_uid = attr->ia_uid;
	if (valid & ATTR_GID)
		inode->i_gid = attr->ia_gid;
	if (valid & ATTR_ATIME)
		inode->i_atime = attr->ia_atime;
	if (valid & ATTR_MTIME)
		inode->i_mtime = attr->ia_mtime;
	if (valid & ATTR_CTIME)
		inode->i_ctime = attr->ia_ctime;
	spin_unlock(&inode->i_lock);
	mark_inode_dirty(inode);
}

bool is_dead_dir(struct inode *inode)
{
	return S_ISDIR(inode->i_mode) && inode_nlink(inode) == 0;
}
