/*
 * The local APIC: one per CPU, memory-mapped at the address ACPI gives
 * (normally 0xfee00000).  Registers are 32 bits wide, 16 bytes apart.
 */
#include <acpi.h>
#include <apic.h>
#include <paging.h>
#include <printk.h>
#include <spinlock.h>
#include <traps.h>
#include <x86.h>

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080		/* task priority: 0 accepts all */
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0		/* spurious vector and the enable bit */
#define LAPIC_ESR 0x280		/* error status */
#define LAPIC_ICR_LOW 0x300		/* interrupt command: writing the low half sends */
#define LAPIC_ICR_HIGH 0x310		/* destination APIC id in bits 24-31 */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIVIDE_BY_16 0x3

static volatile u32 *lapic;

static u32 lapic_read(u32 reg)
{
	return lapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4];	/* read back: the write has reached the APIC */
}

void lapic_init(void)
{
	if (!lapic)	/* every CPU's APIC answers at the same address */
		lapic = ioremap(acpi_info.lapic_phys, 4096);
	/* Make sure the APIC is enabled globally (the firmware may not have). */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));

	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
	lapic_write(LAPIC_TPR, 0);
	pr_info("lapic: id %u, version %#x, at %#lx", lapic_id(), lapic_read(LAPIC_VERSION) & 0xff,
		acpi_info.lapic_phys);
}

#define ICR_DELIVERY_FIXED (0u << 8)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_SEND_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)

/*
 * Send one inter-processor interrupt and wait until the APIC has taken it.
 * Interrupts off between the two writes: an interrupt handler that sent an
 * IPI of its own in between (a signal's wake-up does) would leave its
 * destination in ICR_HIGH, and ours would go to that CPU instead.
 */
static void lapic_send(u32 apic_id, u32 command)
{
	push_irq_off();
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, command);
	while (lapic_read(LAPIC_ICR_LOW) & ICR_SEND_PENDING)
		cpu_relax();
	pop_irq_off();
}

void lapic_send_ipi(u32 apic_id, int vector)
{
	lapic_send(apic_id, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void lapic_send_nmi(u32 apic_id)
{
	lapic_send(apic_id, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_init(u32 apic_id)
{
	lapic_send(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

/* Start-up IPI: the AP begins in real mode at page `page` (address page << 12). */
void lapic_send_startup(u32 apic_id, u8 page)
{
	lapic_send(apic_id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | page);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_timer_oneshot_max(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
}

u32 lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}

void lapic_timer_periodic(u32 count)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}
