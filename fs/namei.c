/*
 * Path lookup.
 *
 * A path is walked one component at a time from a starting point (the
 * root for "/...", else the working directory or a directory descriptor).
 * For each component:
 *   - the directory we are in must be a directory (else ENOTDIR);
 *   - "." stays, ".." climbs (never above the walk's root, and across
 *     mounts: from a mount's root to the dentry it covers);
 *   - a name is looked up in the dcache, else by the file system
 *     (lookup_slow), and if something is mounted on the result we go to
 *     the root of that mount;
 *   - a symlink met before the last component is always followed: what is
 *     left of the current path is pushed on nd->stack, and the walk goes on
 *     through the link's target (from the root if it is absolute, else from
 *     the directory holding the link).  At most MAXSYMLINKS (40) links are
 *     followed in one lookup, counting final ones: the 41st is ELOOP.
 * The last component is handled by the caller (path_lookupat, open,
 * filename_create, unlink, rename), which is where the rules differ: follow
 * a final symlink or not, create it, require a directory because of a
 * trailing slash.
 *
 * Limits: a path is at most PATH_MAX - 1 bytes, a component NAME_MAX.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <string.h>
#include <usercopy.h>
#include <vfs_namei.h>

int nd_init(struct nameidata *nd, int dfd, const char *name, unsigned int flags)
{
	struct fs_struct *fs = current_fs();
	struct file *f;

	memset(nd, 0, sizeof(*nd));
	nd->flags = flags;
	nd->last_type = LAST_ROOT;
	if (strnlen(name, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!*name && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	get_fs_root(fs, &nd->root);
	if (*name == '/') {
		nd->path = nd->root;
		path_get(&nd->path);
		return 0;
	}
	if (dfd == AT_FDCWD) {
		get_fs_pwd(fs, &nd->path);
		return 0;
	}
	f = fget(dfd);
	if (!f)
		return -EBADF;
	if (*name && !d_is_dir(f->f_path.dentry)) {
		fput(f);
		return -ENOTDIR;
	}
	nd->path = f->f_path;
	path_get(&nd->path);
	fput(f);
	return 0;
}

void nd_release(struct nameidata *nd)
{
	if (nd->path.dentry)
		path_put(&nd->path);
	if (nd->root.dentry)
		path_put(&nd->root);
	for (int i = 0; i < nd->total_links; i++)
		iput(nd->links[i]);
	nd->path.dentry = nd->root.dentry = NULL;
	nd->total_links = 0;
}

bool nd_trailing_slash(const struct nameidata *nd)
{
	return nd->last_type == LAST_NORM && nd->last.name[nd->last.len] == '/';
}

static void nd_jump_root(struct nameidata *nd)
{
	path_put(&nd->path);
	nd->path = nd->root;
	path_get(&nd->path);
}

/* Move nd->path to next, taking over its reference. */
static void nd_step(struct nameidata *nd, struct path *next)
{
	path_put(&nd->path);
	nd->path = *next;
}

int nd_step_or_link(struct nameidata *nd, struct path *next, bool follow, struct inode **link)
{
	if (d_is_negative(next->dentry)) {
		path_put(next);
		return -ENOENT;
	}
	if (follow && S_ISLNK(next->dentry->d_inode->i_mode)) {
		*link = next->dentry->d_inode;
		ihold(*link);
		path_put(next);
		return 0;
	}
	nd_step(nd, next);
	return 0;
}

/* "..": up one level, never above nd->root, across mount boundaries. */
static void follow_dotdot(struct nameidata *nd)
{
	for (;;) {
		if (path_equal(&nd->path, &nd->root))
			break;
		if (nd->path.dentry != nd->path.mnt->mnt_root) {
			struct dentry *old = nd->path.dentry;

			nd->path.dentry = dget(old->d_parent);
			dput(old);
			break;
		}
		if (!follow_up(&nd->path))
			break;
	}
	follow_mount(&nd->path);
}

struct dentry *lookup_one(struct dentry *dir, const struct qstr *name)
{
	struct inode *inode = dir->d_inode;
	struct dentry *d = d_lookup(dir, name);
	int err;

	if (d)
		return d;
	/* A removed directory has no names, and gets none. */
	if (is_dead_dir(inode))
		return ERR_PTR(-ENOENT);
	d = d_alloc(dir, name);
	if (!d)
		return ERR_PTR(-ENOMEM);
	err = inode->i_op->lookup(inode, d);
	if (err) {
		d_delete(d);
		dput(d);
		return ERR_PTR(err);
	}
	return d;
}

/* Not in the dcache: ask the file system, with the directory locked. */
static struct dentry *lookup_slow(struct dentry *dir, const struct qstr *name)
{
	struct dentry *d;

	inode_lock(dir->d_inode);
	d = lookup_one(dir, name);
	inode_unlock(dir->d_inode);
	return d;
}

int lookup_child(const struct path *dir, const struct qstr *name, struct path *out)
{
	struct dentry *d = d_lookup(dir->dentry, name);

	if (!d) {
		d = lookup_slow(dir->dentry, name);
		if (IS_ERR(d))
			return PTR_ERR(d);
	}
	out->mnt = dir->mnt;
	out->dentry = d;
	follow_mount(out);
	return 0;
}

static enum last_type component_type(const char *name, unsigned int len)
{
	if (name[0] == '.' && len == 1)
		return LAST_DOT;
	if (name[0] == '.' && name[1] == '.' && len == 2)
		return LAST_DOTDOT;
	return LAST_NORM;
}

/*
 * One component that is not the last.  On a symlink, *link gets its inode
 * (referenced) and nd->path stays in the directory holding it.
 */
static int walk_component(struct nameidata *nd, const struct qstr *name, enum last_type type,
			  struct inode **link)
{
	struct path next;
	int err;

	*link = NULL;
	if (type == LAST_DOT)
		return 0;
	if (type == LAST_DOTDOT) {
		follow_dotdot(nd);
		return 0;
	}
	err = lookup_child(&nd->path, name, &next);
	if (err)
		return err;
	return nd_step_or_link(nd, &next, true, link);
}

/* Count a symlink and hand out its target; the inode reference becomes the walk's. */
static const char *nd_push_link(struct nameidata *nd, struct inode *link)
{
	if (nd->total_links >= MAXSYMLINKS) {
		iput(link);
		return ERR_PTR(-ELOOP);
	}
	nd->links[nd->total_links++] = link;
	if (!link->i_link || !link->i_link[0])
		return ERR_PTR(-ENOENT);
	return link->i_link;
}

int link_path_walk(const char *name, struct nameidata *nd)
{
	for (;;) {
		struct qstr comp = { name, 0 };
		enum last_type type;
		struct inode *link;
		const char *target;
		int err;

		if (*name == '/') {
			nd_jump_root(nd);
			while (*name == '/')
				name++;
		}
		while (!*name && nd->depth)	/* a link's target ended: back to what was left */
			name = nd->stack[--nd->depth];
		if (!*name) {
			nd->last_type = LAST_ROOT;
			return 0;
		}
		if (!d_is_dir(nd->path.dentry))
			return -ENOTDIR;
		comp.name = name;
		while (name[comp.len] && name[comp.len] != '/')
			comp.len++;
		if (comp.len > NAME_MAX)
			return -ENAMETOOLONG;
		type = component_type(comp.name, comp.len);
		name += comp.len;
		while (*name == '/')
			name++;
		if (!*name) {
			if (!nd->depth) {
				nd->last = comp;
				nd->last_type = type;
				return 0;
			}
			name = nd->stack[--nd->depth];	/* not the last after all */
		}
		err = walk_component(nd, &comp, type, &link);
		if (err)
			return err;
		if (!link)
			continue;
		target = nd_push_link(nd, link);
		if (IS_ERR(target))
			return PTR_ERR(target);
		nd->stack[nd->depth++] = name;
		name = target;
	}
}

int nd_walk_link(struct nameidata *nd, struct inode *link)
{
	const char *target = nd_push_link(nd, link);

	if (IS_ERR(target))
		return PTR_ERR(target);
	return link_path_walk(target, nd);
}

int nd_walk_dots(struct nameidata *nd)
{
	if (nd->last_type == LAST_DOTDOT)
		follow_dotdot(nd);
	return 0;
}

/* The last component of a whole lookup; *link is set for a final symlink to follow. */
static int lookup_last(struct nameidata *nd, struct inode **link)
{
	struct path next;
	int err;

	*link = NULL;
	if (nd->last_type != LAST_NORM)
		return nd_walk_dots(nd);
	/* "name/" must be a directory, and a symlink there is followed. */
	if (nd_trailing_slash(nd))
		nd->flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	err = lookup_child(&nd->path, &nd->last, &next);
	if (err)
		return err;
	return nd_step_or_link(nd, &next, nd->flags & LOOKUP_FOLLOW, link);
}

int path_lookupat(int dfd, const char *name, unsigned int flags, struct path *out)
{
	struct nameidata nd;
	struct inode *link;
	int err;

	err = nd_init(&nd, dfd, name, flags);
	if (!err)
		err = link_path_walk(name, &nd);
	while (!err) {
		err = lookup_last(&nd, &link);
		if (err || !link)
			break;
		err = nd_walk_link(&nd, link);
	}
	if (!err && (nd.flags & LOOKUP_DIRECTORY) && !d_is_dir(nd.path.dentry))
		err = -ENOTDIR;
	if (!err) {
		*out = nd.path;
		nd.path.dentry = NULL;	/* the reference is the caller's now */
	}
	nd_release(&nd);
	return err;
}

int path_parentat(int dfd, const char *name, struct nameidata *nd)
{
	int err = nd_init(nd, dfd, name, 0);

	if (!err)
		err = link_path_walk(name, nd);
	if (err)
		nd_release(nd);
	return err;
}

struct dentry *lookup_last_locked(struct nameidata *nd, bool exists)
{
	struct inode *dir = nd->path.dentry->d_inode;
	struct dentry *d;

	inode_lock(dir);
	d = lookup_one(nd->path.dentry, &nd->last);
	if (!IS_ERR(d) && d_is_negative(d) == exists) {
		dput(d);
		d = ERR_PTR(exists ? -ENOENT : -EEXIST);
	}
	if (IS_ERR(d))
		inode_unlock(dir);
	return d;
}

struct dentry *filename_create(int dfd, const char *name, bool is_dir, struct path *parent)
{
	struct nameidata nd;
	struct dentry *d;
	int err = path_parentat(dfd, name, &nd);

	if (err)
		return ERR_PTR(err);
	if (nd.last_type != LAST_NORM)
		d = ERR_PTR(-EEXIST);	/* ".", ".." and "/" exist */
	else
		d = lookup_last_locked(&nd, false);
	if (!IS_ERR(d) && nd_trailing_slash(&nd) && !is_dir) {
		dput(d);
		inode_unlock(nd.path.dentry->d_inode);
		d = ERR_PTR(-ENOENT);	/* "name/" can only be made a directory */
	}
	if (IS_ERR(d)) {
		nd_release(&nd);
		return d;
	}
	*parent = nd.path;
	nd.path.dentry = NULL;
	nd_release(&nd);
	return d;
}

void done_path_create(struct path *parent, struct dentry *dentry)
{
	dput(dentry);
	inode_unlock(parent->dentry->d_inode);
	path_put(parent);
}

char *getname(const char *uname)
{
	char *name = kmalloc(PATH_MAX, GFP_KERNEL);
	long len;

	if (!name)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(name, uname, PATH_MAX);
	if (len < 0) {
		kfree(name);
		return ERR_PTR(len);
	}
	return name;
}

void putname(char *name)
{
	kfree(name);
}

int at_lookup_flags(int flags, int allowed)
{
	unsigned int lookup = LOOKUP_FOLLOW;

	if (flags & ~allowed)
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		lookup &= ~LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lookup |= LOOKUP_EMPTY;
	return lookup;
}

int user_path_at(int dfd, const char *uname, unsigned int flags, struct path *out)
{
	char *name = getname(uname);
	int err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = path_lookupat(dfd, name, flags, out);
	putname(name);
	return err;
}
