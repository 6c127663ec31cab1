/* Self-tests for ACPI discovery and the I/O APIC. */
#include <acpi.h>
#include <apic.h>
#include <errno.h>
#include <ktest.h>
#include <percpu.h>
#include <traps.h>

#define REDIR_MASKED (1ul << 16)

KTEST(acpi_madt_describes_the_machine)
{
	KEXPECT(acpi_info.from_firmware);
	KEXPECT(acpi_info.cpu_count >= 1);
	/* The boot CPU is the MADT's first; this test may run on any CPU. */
	KEXPECT_EQ(acpi_info.cpu_apic_ids[0], cpus[0].apic_id);
	KEXPECT_EQ(this_cpu()->apic_id, lapic_id());
	KEXPECT_EQ(acpi_info.cpu_count, nr_cpus_online);
	KEXPECT_EQ(acpi_info.ioapic_count, 1);
	KEXPECT_EQ(acpi_info.lapic_phys, 0xfee00000);
}

KTEST(ioapic_routes_and_masks)
{
	/* Nothing asked for an interrupt yet: every input is masked. */
	for (unsigned int gsi = 0; gsi < 16; gsi++)
		KEXPECT(ioapic_read_entry(gsi) & REDIR_MASKED);
	/*
	 * The PC's timer IRQ 0 is wired to GSI 2 (an override in QEMU's
	 * MADT).  Routing it unmasked would let the PIT interrupt us, so route
	 * the keyboard's IRQ 1 (nobody is typing) and check the entry.
	 */
	KEXPECT_EQ(ioapic_route_isa_irq(1, VEC_IOAPIC_BASE + 1), 0);
	KEXPECT_EQ(ioapic_read_entry(1) & 0xff, VEC_IOAPIC_BASE + 1);
	KEXPECT(!(ioapic_read_entry(1) & REDIR_MASKED));
	ioapic_set_masked(1, true);
	KEXPECT(ioapic_read_entry(1) & REDIR_MASKED);
	KEXPECT_EQ(ioapic_route_isa_irq(200, VEC_IOAPIC_BASE), -EINVAL);
}

KTEST(acpi_overrides_timer_irq)
{
	bool found = false;

	for (int i = 0; i < acpi_info.override_count; i++)
		if (acpi_info.overrides[i].isa_irq == 0)
			found = acpi_info.overrides[i].gsi == 2;
	KEXPECT(found);
}
