/*
 * Running a program: execve's arguments in kernel memory, and the ELF
 * loader that builds a new address space from a file.
 */
#ifndef PAGODA_EXEC_H
#define PAGODA_EXEC_H

#include <types.h>

struct file;
struct mm;

/* argv and envp, copied out of the caller's memory (or given by the kernel). */
struct exec_args {
	char *strings;		/* argument and environment strings, packed */
	size_t used, size;
	char **argv;		/* argc pointers into strings, then envc more */
	int argc, envc, max_ptrs;
	char *filename;		/* as given to execve: AT_EXECFN, and #! scripts' argv */
};

#define EXEC_STRINGS_MAX (256 * 1024)	/* all strings together: more is E2BIG */

/* What the loader found, for the initial stack and registers. */
struct elf_info {
	u64 entry;		/* first instruction */
	u64 phdr_addr;		/* where the program headers are in memory (AT_PHDR) */
	u64 phnum;
	u64 brk;		/* end of the loaded image: the heap starts here */
};

/* Check the header and map every PT_LOAD segment of f into mm. */
int elf_load(struct file *f, struct mm *mm, struct elf_info *info);
/* Build the initial stack (strings, argv, envp, auxv) in mm; *sp gets the user rsp. */
int elf_build_stack(struct mm *mm, const struct exec_args *args, const struct elf_info *info,
		    u64 *sp);

int exec_args_init(struct exec_args *a);
void exec_args_free(struct exec_args *a);
/* Append one string (a kernel one) to argv or envp; E2BIG when full. */
int exec_args_add(struct exec_args *a, const char *s, size_t len);
/* Run the program at path with these arguments: the kernel side of execve. */
int do_execve(struct exec_args *args);

#endif
