/*
 * The ELF loader: static executables (ET_EXEC) and static position-
 * independent ones (ET_DYN without an interpreter), for x86-64.
 *
 * Segments are loaded eagerly: each page of a PT_LOAD segment gets a fresh
 * page, filled from the file (and zeros past the segment's file size: the
 * .bss) and mapped with the segment's permissions.  Simple, and correct
 * for the small static programs students run; mapping the file's pages
 * from the page cache on demand would share them between processes.
 *
 * The new address space is not the running one: pages are filled through
 * the kernel's direct map and installed with page_walk on mm's tables.
 */
#include <errno.h>
#include <exec.h>
#include <fs.h>
#include <kmalloc.h>
#include <page.h>
#include <printk.h>
#include <random.h>
#include <sched.h>
#include <string.h>
#include <vm.h>
#include <x86.h>

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAX_PHNUM 64
/* Where a position-independent executable goes (Linux's choice, unrandomised). */
#define PIE_LOAD_BIAS 0x555555554000ul
#define STACK_INITIAL_SIZE (128 * 1024)

/* The page mapped at va in mm, creating a zeroed one if there is none. */
static void *mm_page_at(struct mm *mm, u64 va, u64 flags)
{
	pte_t *pte = page_walk(mm->pml4, va, true);
	struct page *page;

	if (!pte)
		return NULL;
	if (*pte & PTE_PRESENT)
		return phys_to_virt(*pte & PTE_ADDR_MASK);
	page = alloc_anon_page(GFP_KERNEL | GFP_ZERO);
	if (!page)
		return NULL;
	*pte = page_to_phys(page) | flags;
	page_add_rmap(page);
	return page_address(page);
}

static int load_segment(struct file *f, struct mm *mm, const struct elf64_phdr *ph, u64 bias)
{
	u64 vaddr = bias + ph->p_vaddr;
	u64 start = ALIGN_DOWN(vaddr, PAGE_SIZE), end = ALIGN_UP(vaddr + ph->p_memsz, PAGE_SIZE);
	unsigned int vm_flags = (ph->p_flags & PF_R ? VM_READ : 0) |
				(ph->p_flags & PF_W ? VM_WRITE : 0) | (ph->p_flags & PF_X ? VM_EXEC : 0);
	u64 pte_flags = PTE_PRESENT | PTE_USER | (ph->p_flags & PF_W ? PTE_WRITE : 0) |
			(ph->p_flags & PF_X ? 0 : PTE_NX);
	int err;

	if (ph->p_filesz > ph->p_memsz || end > USER_SPACE_END || end <= start)
		return -ENOEXEC;
	err = vma_insert(mm, start, end, vm_flags, NULL, 0);
	if (err)
		return err == -EEXIST ? -ENOEXEC : err;	/* overlapping segments */
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		u8 *page = mm_page_at(mm, va, pte_flags);
		/* The file bytes that land in this page: [lo, hi) in memory. */
		u64 lo = MAX(va, vaddr), hi = MIN(va + PAGE_SIZE, vaddr + ph->p_filesz);
		u64 pos;

		if (!page)
			return -ENOMEM;
		if (lo >= hi)
			continue;	/* all .bss: already zero */
		pos = ph->p_offset + (lo - vaddr);
		if (kernel_read(f, page + (lo - va), hi - lo, &pos) != (ssize_t)(hi - lo))
			return -EIO;
	}
	return 0;
}

static bool header_ok(const struct elf64_ehdr *eh)
{
	return memcmp(eh->e_ident, "\177ELF", 4) == 0 && eh->e_ident[4] == 2 /* 64-bit */ &&
	       eh->e_ident[5] == 1 /* little-endian */ && eh->e_ident[6] == 1 &&
	       (eh->e_type == ET_EXEC || eh->e_type == ET_DYN) && eh->e_machine == EM_X86_64 &&
	       eh->e_phentsize == sizeof(struct elf64_phdr) && eh->e_phnum > 0 &&
	       eh->e_phnum <= MAX_PHNUM;
}

int elf_load(struct file *f, struct mm *mm, struct elf_info *info)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph[MAX_PHNUM];
	u64 pos = 0, bias = 0, phdr_vaddr = 0;
	size_t ph_size;
	int err;

	if (kernel_read(f, &eh, sizeof(eh), &pos) != sizeof(eh) || !header_ok(&eh))
		return -ENOEXEC;
	ph_size = eh.e_phnum * sizeof(struct elf64_phdr);
	pos = eh.e_phoff;
	if (kernel_read(f, ph, ph_size, &pos) != (ssize_t)ph_size)
		return -ENOEXEC;
	if (eh.e_type == ET_DYN)
		bias = PIE_LOAD_BIAS;

	info->brk = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return -ELIBBAD;	/* dynamically linked: see do_execve */
		if (ph[i].p_type == PT_PHDR)
			phdr_vaddr = ph[i].p_vaddr;
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* The headers are in memory where the segment holding them maps them. */
		if (!phdr_vaddr && eh.e_phoff >= ph[i].p_offset &&
		    eh.e_phoff + ph_size <= ph[i].p_offset + ph[i].p_filesz)
			phdr_vaddr = ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
		err = load_segment(f, mm, &ph[i], bias);
		if (err)
			return err;
		info->brk = MAX(info->brk, ALIGN_UP(bias + ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE));
	}
	if (!info->brk)
		return -ENOEXEC;	/* nothing to run */
	info->entry = bias + eh.e_entry;
	info->phdr_addr = phdr_vaddr ? bias + phdr_vaddr : 0;
	info->phnum = eh.e_phnum;
	return 0;
}

/* Copy len bytes to user address uaddr of mm (not the running one). */
static int mm_write(struct mm *mm, u64 uaddr, const void *src, size_t len)
{
	const u8 *s = src;

	while (len > 0) {
		u8 *page = mm_page_at(mm, ALIGN_DOWN(uaddr, PAGE_SIZE),
				      PTE_PRESENT | PTE_USER | PTE_WRITE | PTE_NX);
		size_t off = uaddr & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);

		if (!page)
			return -ENOMEM;
		memcpy(page + off, s, n);
		s += n;
		uaddr += n;
		len -= n;
	}
	return 0;
}

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

static int write_stack(struct mm *mm, const struct exec_args *args, const struct elf_info *info,
		       u64 *str_ptr, u64 *sp_out);

/*
 * The initial stack, as Linux lays it out (top down): the file name, the
 * environment and argument strings, the platform string and 16 random
 * bytes; then, 16-byte aligned at the bottom: argc, argv[], NULL, envp[],
 * NULL, the auxiliary vector.  rsp points at argc.
 */
int elf_build_stack(struct mm *mm, const struct exec_args *args, const struct elf_info *info,
		    u64 *sp_out)
{
	int nptrs = args->argc + args->envc;
	u64 *str_ptr;
	int err = vma_insert(mm, USER_STACK_TOP - STACK_INITIAL_SIZE, USER_STACK_TOP,
			     VM_READ | VM_WRITE | VM_GROWSDOWN, NULL, 0);

	if (err)
		return err;
	/* Where each string lands: too many for the kernel stack. */
	str_ptr = kmalloc((nptrs + 1) * sizeof(u64), GFP_KERNEL);
	if (!str_ptr)
		return -ENOMEM;
	err = write_stack(mm, args, info, str_ptr, sp_out);
	kfree(str_ptr);
	return err;
}

static int write_stack(struct mm *mm, const struct exec_args *args, const struct elf_info *info,
		       u64 *str_ptr, u64 *sp_out)
{
	int nptrs = args->argc + args->envc;
	u64 sp = USER_STACK_TOP;
	u64 execfn, platform, random_addr;
	u8 random[16];
	u32 a, b, c, d;
	int err;

	mm->stack_top = USER_STACK_TOP;

	sp -= strlen(args->filename) + 1;
	execfn = sp;
	if ((err = mm_write(mm, execfn, args->filename, strlen(args->filename) + 1)))
		return err;
	for (int i = nptrs - 1; i >= 0; i--) {
		size_t len = strlen(args->argv[i]) + 1;

		sp -= len;
		str_ptr[i] = sp;
		if ((err = mm_write(mm, sp, args->argv[i], len)))
			return err;
	}
	/* The strings lie in order, each after the one before: /proc/PID/cmdline, environ. */
	mm->arg_start = args->argc ? str_ptr[0] : execfn;
	mm->arg_end = mm->env_start = args->envc ? str_ptr[args->argc] : execfn;
	mm->env_end = execfn;
	sp -= sizeof("x86_64");
	platform = sp;
	if ((err = mm_write(mm, platform, "x86_64", sizeof("x86_64"))))
		return err;
	get_random_bytes(random, sizeof(random));
	sp = ALIGN_DOWN(sp - sizeof(random), 16);
	random_addr = sp;
	if ((err = mm_write(mm, random_addr, random, sizeof(random))))
		return err;

	cpuid(1, 0, &a, &b, &c, &d);
	u64 auxv[] = {
		AT_PHDR, info->phdr_addr, AT_PHENT, sizeof(struct elf64_phdr),
		AT_PHNUM, info->phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0,
		AT_ENTRY, info->entry, AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_PLATFORM, platform, AT_HWCAP, d, AT_CLKTCK, 100, AT_SECURE, 0,
		AT_RANDOM, random_addr, AT_HWCAP2, 0, AT_EXECFN, execfn,
		AT_MINSIGSTKSZ, 2048, AT_NULL, 0,
	};
	/* argc, argv + NULL, envp + NULL, auxv: rsp must end 16-byte aligned. */
	u64 words = 1 + (args->argc + 1) + (args->envc + 1) + ARRAY_SIZE(auxv);
	sp = ALIGN_DOWN(sp - words * 8, 16);
	*sp_out = sp;

	u64 argc = args->argc, zero = 0;
	u64 p = sp;
	if ((err = mm_write(mm, p, &argc, 8)))
		return err;
	p += 8;
	for (int i = 0; i < nptrs + 1; i++) {
		/* argv, its NULL, envp; the NULL after envp comes below */
		u64 v = i < args->argc ? str_ptr[i] : i == args->argc ? 0 : str_ptr[i - 1];
		if ((err = mm_write(mm, p, &v, 8)))
			return err;
		p += 8;
	}
	if ((err = mm_write(mm, p, &zero, 8)))
		return err;
	p += 8;
	return mm_write(mm, p, auxv, sizeof(auxv));
}
