/* FPU/SSE state for user tasks (see fpu.h). */
#include <fpu.h>
#include <string.h>
#include <x86.h>

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR0_NE (1ul << 5)
#define CR4_OSXMMEXCPT (1ul << 10)

#define FXSAVE_FCW 0		/* u16: x87 control word */
#define FXSAVE_MXCSR 24		/* u32 */
#define FXSAVE_MXCSR_MASK 28	/* u32 */

static u8 default_state[512] __aligned(16);
static u32 mxcsr_mask = 0xffbf;

void fpu_init_cpu(void)
{
	u16 fcw = 0x37f;	/* all exceptions masked, 64-bit precision: the ABI's start state */
	u32 mxcsr = 0x1f80;	/* all SSE exceptions masked, round to nearest */

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ __volatile__("fninit");
	__asm__ __volatile__("fldcw %0" : : "m"(fcw));
	__asm__ __volatile__("ldmxcsr %0" : : "m"(mxcsr));
	fpu_save(default_state);
	memcpy(&mxcsr_mask, default_state + FXSAVE_MXCSR_MASK, 4);
	if (mxcsr_mask == 0)
		mxcsr_mask = 0xffbf;	/* the architectural default when the CPU reports 0 */
}

void fpu_init_state(u8 *area)
{
	memcpy(area, default_state, sizeof(default_state));
}

u32 fpu_mxcsr_mask(void)
{
	return mxcsr_mask;
}
