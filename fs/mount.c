/*
 * Super blocks and the mount table.
 *
 * A mount attaches the root of a file system instance (its super block's
 * s_root) over a directory of another mount: path lookup, on reaching a
 * covered dentry, continues at the root of whatever is mounted there
 * (follow_mount), and ".." at the root of a mount continues from the
 * covered dentry (follow_up).
 *
 * Mounts are never taken down (there is no umount yet), so a struct path
 * holds a reference on its dentry only, never on its mount.
 *
 * Locks: mount_lock (a spinlock) protects the list of mounts and each
 * dentry's d_mounted count; a mount's own fields never change.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <panic.h>
#include <string.h>
#include <vfs_internal.h>
#include <vfs_namei.h>

static struct spinlock mount_lock = SPINLOCK_INIT("mount");
static struct list_head mounts = LIST_HEAD_INIT(mounts);	/* mount_lock */
static struct vfsmount *root_mount;	/* set once by the first mount */

dev_t new_anon_dev(void)
{
	static u32 next_minor;	/* mount_lock */
	u32 minor;

	spin_lock(&mount_lock);
	minor = ++next_minor;
	spin_unlock(&mount_lock);
	return MKDEV(0, minor);	/* major 0: devices without a disk, as in Linux */
}

struct super_block *alloc_super(const struct super_operations *ops, u64 magic)
{
	struct super_block *sb = kzalloc(sizeof(*sb), GFP_KERNEL);

	if (!sb)
		return NULL;
	spin_init(&sb->s_lock, "super_block");
	mutex_init(&sb->s_rename_mutex, "s_rename_mutex");
	sb->s_dev = new_anon_dev();
	sb->s_magic = magic;
	sb->s_maxbytes = INT64_MAX;
	sb->s_op = ops;
	return sb;
}

struct super_block *sb_set_root(struct super_block *sb, struct inode *root)
{
	if (root)
		sb->s_root = d_make_root(root);
	if (!sb->s_root) {
		iput(root);
		kfree(sb);
		return ERR_PTR(-ENOMEM);
	}
	return sb;
}

/* The file systems that can be mounted by name. */
static struct file_system_type *const fs_types[] = { &tmpfs_fs_type, &proc_fs_type, &ext2_fs_type };

int do_mount(const char *source, const char *dir, const char *fstype)
{
	struct file_system_type *type = NULL;
	struct vfsmount *mnt;
	struct path where;
	int err;

	for (size_t i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (!strcmp(fs_types[i]->name, fstype))
			type = fs_types[i];
	if (!type)
		return -ENODEV;
	err = path_lookupat(AT_FDCWD, dir, LOOKUP_DIRECTORY, &where);
	if (err)
		return err;
	mnt = vfs_kern_mount(type, &where, source);
	path_put(&where);
	return IS_ERR(mnt) ? PTR_ERR(mnt) : 0;
}

/* The super blocks of the mounts, up to max of them (mounts are never taken down: they stay). */
static int mounted_super_blocks(struct super_block **sbs, int max)
{
	struct vfsmount *m;
	int n = 0;

	spin_lock(&mount_lock);
	list_for_each_entry(m, &mounts, mnt_list)
		if (n < max && m->mnt_sb->s_op)
			sbs[n++] = m->mnt_sb;
	spin_unlock(&mount_lock);
	return n;
}

int visible_mounts(struct vfsmount **mnts, int max)
{
	struct vfsmount *m;
	int n = 0;

	spin_lock(&mount_lock);
	/* The list is newest first: walk it backwards. */
	for (m = list_entry(mounts.prev, struct vfsmount, mnt_list); &m->mnt_list != &mounts;
	     m = list_entry(m->mnt_list.prev, struct vfsmount, mnt_list))
		if (n < max && (m == root_mount || m->mnt_parent != m))
			mnts[n++] = m;
	spin_unlock(&mount_lock);
	return n;
}

#define MAX_SYNC_MOUNTS 32

void sync_filesystems(void)
{
	struct super_block *sbs[MAX_SYNC_MOUNTS];
	int n = mounted_super_blocks(sbs, MAX_SYNC_MOUNTS);

	for (int i = 0; i < n; i++)
		if (sbs[i]->s_op->sync_fs)
			sbs[i]->s_op->sync_fs(sbs[i]);
}

void writeback_filesystems(u64 dirtied_before)
{
	struct super_block *sbs[MAX_SYNC_MOUNTS];
	int n = mounted_super_blocks(sbs, MAX_SYNC_MOUNTS);

	for (int i = 0; i < n; i++)
		if (sbs[i]->s_op->write_metadata)
			sbs[i]->s_op->write_metadata(sbs[i], dirtied_before);
}

struct vfsmount *vfs_kern_mount(struct file_system_type *type, const struct path *where,
				const char *source)
{
	struct super_block *sb;
	struct vfsmount *mnt;

	if (where && !d_is_dir(where->dentry))
		return ERR_PTR(-ENOTDIR);
	mnt = kzalloc(sizeof(*mnt), GFP_KERNEL);
	if (!mnt)
		return ERR_PTR(-ENOMEM);
	sb = type->mount(type, source);
	if (IS_ERR(sb)) {
		kfree(mnt);
		return ERR_PTR(PTR_ERR(sb));
	}
	mnt->mnt_sb = sb;
	mnt->mnt_root = sb->s_root;
	mnt->mnt_type = type->name;
	mnt->mnt_devname = source ? kstrdup(source, GFP_KERNEL) : NULL;
	if (!mnt->mnt_devname)
		mnt->mnt_devname = type->name;	/* as Linux names sources-less mounts: "proc" */
	if (where) {
		mnt->mnt_parent = where->mnt;
		mnt->mnt_mountpoint = dget(where->dentry);
	} else {
		mnt->mnt_parent = mnt;
		mnt->mnt_mountpoint = sb->s_root;
	}
	spin_lock(&mount_lock);
	if (where)
		where->dentry->d_mounted++;
	else if (!root_mount)
		root_mount = mnt;
	list_add(&mnt->mnt_list, &mounts);	/* the newest first: it hides older ones */
	spin_unlock(&mount_lock);
	return mnt;
}

/* The mount covering (mnt, dentry), or NULL. */
static struct vfsmount *lookup_mount(const struct path *p)
{
	struct vfsmount *m, *found = NULL;

	spin_lock(&mount_lock);
	if (p->dentry->d_mounted) {
		list_for_each_entry(m, &mounts, mnt_list) {
			if (m->mnt_parent == p->mnt && m->mnt_mountpoint == p->dentry && m != p->mnt) {
				found = m;
				break;
			}
		}
	}
	spin_unlock(&mount_lock);
	return found;
}

void follow_mount(struct path *p)
{
	struct vfsmount *m;

	while ((m = lookup_mount(p)) != NULL) {
		struct dentry *old = p->dentry;

		p->mnt = m;
		p->dentry = dget(m->mnt_root);
		dput(old);
	}
}

bool follow_up(struct path *p)
{
	struct dentry *old = p->dentry;

	if (p->mnt->mnt_parent == p->mnt)
		return false;
	p->dentry = dget(p->mnt->mnt_mountpoint);
	p->mnt = p->mnt->mnt_parent;
	dput(old);
	return true;
}

bool is_mountpoint(struct dentry *d)
{
	return READ_ONCE(d->d_mounted) != 0;
}

void get_root_path(struct path *p)
{
	BUG_ON(!root_mount);
	p->mnt = root_mount;
	p->dentry = dget(root_mount->mnt_root);
}
