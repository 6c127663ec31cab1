/*
 * Path lookup (fs/namei.c): turning "a/b/../c" into a (mount, dentry).
 *
 * A walk keeps its state in a struct nameidata: where it is, the root it
 * may not climb above, and the symlinks it has followed (at most
 * MAXSYMLINKS in one lookup; their inodes stay referenced until the walk
 * ends, because the walk reads their targets in place).  A walk can stop
 * just before the last component ("parent" lookups, for create, unlink,
 * rename), leaving the component in nd->last.
 */
#ifndef PAGODA_VFS_NAMEI_H
#define PAGODA_VFS_NAMEI_H

#include <fs.h>

/* Lookup flags. */
#define LOOKUP_FOLLOW (1u << 0)		/* follow a final symlink */
#define LOOKUP_DIRECTORY (1u << 1)	/* the result must be a directory */
#define LOOKUP_EMPTY (1u << 2)		/* "" means the starting directory (AT_EMPTY_PATH) */

enum last_type {
	LAST_NORM,	/* a name */
	LAST_ROOT,	/* "/" or "": the walk's start itself */
	LAST_DOT,
	LAST_DOTDOT,
};

struct nameidata {
	struct path path;		/* where the walk is */
	struct path root;		/* "/" and the limit of ".." */
	struct qstr last;		/* the final component, in parent lookups */
	enum last_type last_type;
	unsigned int flags;		/* LOOKUP_* */
	int total_links;		/* symlinks followed so far */
	struct inode *links[MAXSYMLINKS];	/* their inodes (the walk reads i_link) */
	int depth;			/* entries used in stack[] */
	const char *stack[MAXSYMLINKS];	/* what is left of a path a symlink interrupted */
};

/*
 * Begin a walk of name from dfd (AT_FDCWD, or a directory descriptor;
 * ignored for absolute names).  nd_release() afterwards, whatever happens.
 */
int nd_init(struct nameidata *nd, int dfd, const char *name, unsigned int flags);
void nd_release(struct nameidata *nd);
/* Walk every component but the last, which is left in nd->last. */
int link_path_walk(const char *name, struct nameidata *nd);
/* Continue the walk through a symlink's target (the inode reference is the walk's). */
int nd_walk_link(struct nameidata *nd, struct inode *link);
/* Resolve a last component that is not a name (".", "..", "/"). */
int nd_walk_dots(struct nameidata *nd);
/*
 * Move the walk to next, a component just looked up, taking over its
 * reference: ENOENT if it is negative; if it is a symlink and follow is
 * set, the walk stays put and *link gets the link's inode (referenced)
 * for nd_walk_link.
 */
int nd_step_or_link(struct nameidata *nd, struct path *next, bool follow, struct inode **link);
/* Was the last component followed by a slash? */
bool nd_trailing_slash(const struct nameidata *nd);

/* The child called name of dir, across mounts: a new reference (maybe negative). */
int lookup_child(const struct path *dir, const struct qstr *name, struct path *out);
/* The same within one directory whose i_rwsem the caller holds exclusive. */
struct dentry *lookup_one(struct dentry *dir, const struct qstr *name);

/* Whole lookups, for names in kernel memory. */
int path_lookupat(int dfd, const char *name, unsigned int flags, struct path *out);
int path_parentat(int dfd, const char *name, struct nameidata *nd);
/*
 * After path_parentat, for calls that change the parent (create, unlink,
 * rmdir): lock the parent and look nd->last up in it.  The name must
 * exist if exists is set (else ENOENT), or must not (else EEXIST).  The
 * parent stays locked on success only; nd is the caller's either way.
 */
struct dentry *lookup_last_locked(struct nameidata *nd, bool exists);
/*
 * For mkdir, mknod, symlink, link: the parent, locked, and a negative
 * dentry for the new name; or ERR_PTR (-EEXIST if the name is taken).
 */
struct dentry *filename_create(int dfd, const char *name, bool is_dir, struct path *parent);
void done_path_create(struct path *parent, struct dentry *dentry);

/* Names from user space: a PATH_MAX kernel copy, or ERR_PTR(-EFAULT/-ENAMETOOLONG). */
char *getname(const char *uname);
void putname(char *name);
int user_path_at(int dfd, const char *uname, unsigned int flags, struct path *out);

/*
 * The lookup flags for an *at() call that follows a final symlink unless
 * given AT_SYMLINK_NOFOLLOW, and takes AT_EMPTY_PATH; -EINVAL if flags
 * holds a bit outside allowed (the AT_* bits this call accepts).
 */
int at_lookup_flags(int flags, int allowed);

#endif
