/*
 * The dentry cache: the tree of names that path lookup walks.
 *
 * Each dentry is a name in its parent directory, bound to an inode or to
 * none (negative).  A directory's children hang on its d_subdirs list, in
 * the order they were added; each gets a position (d_dir_pos) that only
 * grows, which gives readdir stable offsets for file systems whose
 * directories exist only here (tmpfs).
 *
 * Lifetime: a dentry holds a reference on its parent and on its inode.
 * When its last reference goes, a negative or removed (unhashed) dentry is
 * freed; a positive one stays cached (tmpfs keeps an extra reference on
 * every name it holds, so its tree never leaves memory).
 *
 * Locking: one spinlock, dcache_lock, protects every dentry's tree links,
 * name, reference count and hashed state.  Binding a dentry to an inode
 * (or unhashing it) also requires its parent directory's i_rwsem held
 * exclusive, so that a holder of that lock (shared or exclusive) sees a
 * stable directory: names, children and inodes do not change under it.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <panic.h>
#include <string.h>

static struct spinlock dcache_lock = SPINLOCK_INIT("dcache");

static char *copy_name(const struct qstr *name)
{
	char *s = kmalloc(name->len + 1, GFP_KERNEL);

	if (s) {
		memcpy(s, name->name, name->len);
		s[name->len] = '\0';
	}
	return s;
}

static struct dentry *dentry_new(struct super_block *sb, const struct qstr *name)
{
	struct dentry *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	d->d_name.name = copy_name(name);
	if (!d->d_name.name) {
		kfree(d);
		return NULL;
	}
	d->d_name.len = name->len;
	d->d_count = 1;
	d->d_parent = d;
	d->d_sb = sb;
	d->d_next_pos = 2;	/* 0 and 1 are "." and ".." */
	list_init(&d->d_child);
	list_init(&d->d_subdirs);
	return d;
}

struct dentry *d_alloc(struct dentry *parent, const struct qstr *name)
{
	struct dentry *d = dentry_new(parent->d_sb, name);

	if (!d)
		return NULL;
	spin_lock(&dcache_lock);
	parent->d_count++;
	d->d_parent = parent;
	d->d_dir_pos = parent->d_next_pos++;
	list_add_tail(&d->d_child, &parent->d_subdirs);
	spin_unlock(&dcache_lock);
	return d;
}

struct dentry *d_make_root(struct inode *inode)
{
	static const struct qstr slash = { "/", 1 };
	struct dentry *d = dentry_new(inode->i_sb, &slash);

	if (d)
		d->d_inode = inode;
	return d;
}

struct dentry *d_alloc_anon(struct super_block *sb, struct inode *inode, const char *name)
{
	struct qstr q = { name, strlen(name) };
	struct dentry *d = dentry_new(sb, &q);

	if (d) {
		d->d_inode = inode;
		d->d_unhashed = true;	/* in no directory: freed with its last user */
	}
	return d;
}

static bool name_matches(const struct dentry *d, const struct qstr *name)
{
	return d->d_name.len == name->len && memcmp(d->d_name.name, name->name, name->len) == 0;
}

struct dentry *d_lookup(struct dentry *parent, const struct qstr *name)
{
	struct dentry *child, *found = NULL;

	spin_lock(&dcache_lock);
	list_for_each_entry(child, &parent->d_subdirs, d_child) {
		if (!child->d_unhashed && name_matches(child, name)) {
			child->d_count++;
			found = child;
			break;
		}
	}
	spin_unlock(&dcache_lock);
	return found;
}

struct dentry *dget(struct dentry *d)
{
	spin_lock(&dcache_lock);
	BUG_ON(d->d_count <= 0);
	d->d_count++;
	spin_unlock(&dcache_lock);
	return d;
}

/* Drop a reference; free the dentry, then maybe its parent, when unused and dead. */
void dput(struct dentry *d)
{
	while (d) {
		struct dentry *parent;
		struct inode *inode;

		spin_lock(&dcache_lock);
		BUG_ON(d->d_count <= 0);
		if (--d->d_count > 0 || (d->d_inode && !d->d_unhashed)) {
			spin_unlock(&dcache_lock);
			return;
		}
		parent = d->d_parent == d ? NULL : d->d_parent;
		if (parent)
			list_del(&d->d_child);
		spin_unlock(&dcache_lock);

		inode = d->d_inode;
		kfree(d->d_name.name);
		kfree(d);
		iput(inode);
		d = parent;
	}
}

void d_instantiate(struct dentry *d, struct inode *inode)
{
	spin_lock(&dcache_lock);
	BUG_ON(d->d_inode);
	d->d_inode = inode;
	spin_unlock(&dcache_lock);
}

void d_add(struct dentry *d, struct inode *inode)
{
	if (inode)
		d_instantiate(d, inode);
}

void d_delete(struct dentry *d)
{
	spin_lock(&dcache_lock);
	d->d_unhashed = true;
	spin_unlock(&dcache_lock);
}

/*
 * d takes target's name and place; target (now unhashed) gets d's old name,
 * which nobody looks at any more: swapping needs no allocation, so a
 * rename that the file system has done cannot fail here.
 */
void d_move(struct dentry *d, struct dentry *target)
{
	struct dentry *old_parent, *new_parent;
	struct qstr old_name;

	spin_lock(&dcache_lock);
	old_parent = d->d_parent;
	new_parent = target->d_parent;
	old_name = d->d_name;
	d->d_name = target->d_name;
	target->d_name = old_name;
	list_del(&d->d_child);
	list_add_tail(&d->d_child, &new_parent->d_subdirs);
	d->d_dir_pos = new_parent->d_next_pos++;
	if (old_parent != new_parent) {
		new_parent->d_count++;
		d->d_parent = new_parent;
	}
	target->d_unhashed = true;
	spin_unlock(&dcache_lock);

	if (old_parent != new_parent)
		dput(old_parent);
}

bool d_is_negative(struct dentry *d)
{
	return READ_ONCE(d->d_inode) == NULL;
}

bool d_is_dir(struct dentry *d)
{
	struct inode *inode = READ_ONCE(d->d_inode);

	return inode && S_ISDIR(inode->i_mode);
}

bool d_ancestor(struct dentry *d, struct dentry *p)
{
	bool found = false;

	spin_lock(&dcache_lock);
	for (;;) {
		if (p == d) {
			found = true;
			break;
		}
		if (p->d_parent == p)
			break;
		p = p->d_parent;
	}
	spin_unlock(&dcache_lock);
	return found;
}

static bool d_is_live(const struct dentry *d)
{
	return d->d_inode && !d->d_unhashed;
}

bool d_dir_is_empty(struct dentry *dir)
{
	struct dentry *child;
	bool empty = true;

	spin_lock(&dcache_lock);
	list_for_each_entry(child, &dir->d_subdirs, d_child) {
		if (d_is_live(child)) {
			empty = false;
			break;
		}
	}
	spin_unlock(&dcache_lock);
	return empty;
}

/* Prepend s to the string that starts at *pos in a buffer starting at buf. */
static bool prepend(char **pos, char *buf, const char *s, size_t len)
{
	if ((size_t)(*pos - buf) < len)
		return false;
	*pos -= len;
	memcpy(*pos, s, len);
	return true;
}

char *d_path(const struct path *root, const struct path *path, char *buf, size_t size)
{
	struct path p = *path;
	char *pos = buf + size;
	bool fits = true;

	if (size == 0)
		return ERR_PTR(-ENAMETOOLONG);
	*--pos = '\0';
	spin_lock(&dcache_lock);
	if (p.dentry->d_unhashed) {
		spin_unlock(&dcache_lock);
		return ERR_PTR(-ENOENT);
	}
	while (fits && !path_equal(&p, root)) {
		if (p.dentry == p.mnt->mnt_root) {
			if (p.mnt->mnt_parent == p.mnt)
				break;	/* the global root: root was not above us */
			p.dentry = p.mnt->mnt_mountpoint;
			p.mnt = p.mnt->mnt_parent;
			continue;
		}
		fits = prepend(&pos, buf, p.dentry->d_name.name, p.dentry->d_name.len) &&
		       prepend(&pos, buf, "/", 1);
		p.dentry = p.dentry->d_parent;
	}
	spin_unlock(&dcache_lock);
	if (fits && pos[0] == '\0')
		fits = prepend(&pos, buf, "/", 1);
	return fits ? pos : ERR_PTR(-ENAMETOOLONG);
}

/* The next live child of dir after `after` (NULL: from the start) at or past pos, referenced. */
static struct dentry *next_live_child(struct dentry *dir, struct dentry *after, u64 pos)
{
	struct dentry *found = NULL;
	struct list_head *link;

	spin_lock(&dcache_lock);
	link = after ? after->d_child.next : dir->d_subdirs.next;
	for (; link != &dir->d_subdirs; link = link->next) {
		struct dentry *child = list_entry(link, struct dentry, d_child);

		if (d_is_live(child) && child->d_dir_pos >= pos) {
			child->d_count++;
			found = child;
			break;
		}
	}
	spin_unlock(&dcache_lock);
	return found;
}

static unsigned int dt_type(umode_t mode)
{
	return (mode & S_IFMT) >> 12;	/* DT_* are the S_IFMT values shifted */
}

/*
 * Called with the directory's i_rwsem held shared, so its children do not
 * change: the names we hand to the actor (which copies them to user
 * space, and may fault) stay valid.
 */
int dcache_readdir(struct file *file, struct dir_context *ctx)
{
	struct dentry *dir = file->f_path.dentry;
	struct dentry *child;

	if (ctx->pos == 0) {
		if (!ctx->actor(ctx, ".", 1, dir->d_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->actor(ctx, "..", 2, dir->d_parent->d_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	child = next_live_child(dir, NULL, ctx->pos);
	while (child) {
		struct dentry *next;

		ctx->pos = child->d_dir_pos;
		if (!ctx->actor(ctx, child->d_name.name, child->d_name.len, child->d_inode->i_ino,
				dt_type(child->d_inode->i_mode))) {
			dput(child);
			return 0;
		}
		ctx->pos = child->d_dir_pos + 1;
		next = next_live_child(dir, child, ctx->pos);
		dput(child);
		child = next;
	}
	return 0;
}

void path_get(const struct path *p)
{
	dget(p->dentry);
}

void path_put(const struct path *p)
{
	dput(p->dentry);
}

bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}
