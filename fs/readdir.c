/*
 * Reading directories: iterate_dir() feeds a directory's entries, from
 * the file's offset on, to a dir_context's actor (getdents64 copies them
 * to user space; self-tests collect them).
 *
 * The directory's i_rwsem is held shared while its entries are listed, so
 * nobody adds, removes or renames names in it meanwhile.  f_pos_lock comes
 * first: two readers sharing a file description take turns.
 */
#include <errno.h>
#include <vfs_ops.h>

int iterate_dir(struct file *f, struct dir_context *ctx)
{
	struct inode *inode = f->f_inode;
	int err;

	if (!f->f_op->iterate)
		return -ENOTDIR;
	mutex_lock(&f->f_pos_lock);
	inode_lock_shared(inode);
	if (is_dead_dir(inode)) {
		err = -ENOENT;	/* removed: it has no entries, not even "." */
	} else {
		ctx->pos = f->f_pos;
		err = f->f_op->iterate(f, ctx);
		f->f_pos = ctx->pos;
	}
	inode_unlock_shared(inode);
	mutex_unlock(&f->f_pos_lock);
	return err;
}
