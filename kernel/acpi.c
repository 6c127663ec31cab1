/*
 * ACPI table discovery: RSDP -> RSDT/XSDT -> MADT.
 *
 * Every ACPI table starts with the same 36-byte header and must sum to
 * zero byte-wise.  We check signatures and checksums and fall back to the
 * standard PC addresses (local APIC at 0xfee00000, one I/O APIC at
 * 0xfec00000) when something is missing, saying so.
 */
#include <acpi.h>
#include <boot.h>
#include <mm.h>
#include <paging.h>
#include <printk.h>
#include <string.h>

struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	u8 checksum;
	char oem_id[6];
	u8 revision;		/* 0 for ACPI 1.0, 2 for 2.0 and later */
	u32 rsdt_phys;
	u32 length;		/* 2.0+ */
	u64 xsdt_phys;		/* 2.0+ */
	u8 extended_checksum;
	u8 reserved[3];
} __packed;

struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

struct acpi_madt {
	struct acpi_header header;
	u32 lapic_phys;
	u32 flags;
	u8 entries[];
} __packed;

#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDRESS 5

struct acpi_info acpi_info;

static bool checksum_ok(const void *p, size_t len)
{
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

/* Map a whole table: first its header, to learn its length. */
static const struct acpi_header *map_table(phys_addr_t pa)
{
	const struct acpi_header *h = map_phys(pa, sizeof(*h));

	h = map_phys(pa, h->length);
	if (!checksum_ok(h, h->length)) {
		pr_warn("acpi: table %.4s at %#lx has a bad checksum", h->signature, pa);
		return NULL;
	}
	return h;
}

static const struct acpi_header *find_table(const char *sig)
{
	const struct acpi_rsdp *rsdp = (const void *)boot_info.rsdp_copy;
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_phys;
	const struct acpi_header *root = map_table(xsdt ? rsdp->xsdt_phys : rsdp->rsdt_phys);
	int entry_size = xsdt ? 8 : 4;
	int n;

	if (!root)
		return NULL;
	n = (root->length - sizeof(*root)) / entry_size;
	for (int i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * entry_size;
		phys_addr_t pa = xsdt ? *(const u64 *)e : *(const u32 *)e;
		const struct acpi_header *h = map_table(pa);

		if (h && memcmp(h->signature, sig, 4) == 0)
			return h;
	}
	return NULL;
}

static void parse_madt(const struct acpi_madt *madt)
{
	const u8 *p = madt->entries;
	const u8 *end = (const u8 *)madt + madt->header.length;

	acpi_info.lapic_phys = madt->lapic_phys;
	while (p + 2 <= end && p[1] >= 2) {
		switch (p[0]) {
		case MADT_LAPIC:
			/* p[2] ACPI id, p[3] APIC id, flags bit 0: enabled */
			if ((p[4] & 1) && acpi_info.cpu_count < MAX_CPUS)
				acpi_info.cpu_apic_ids[acpi_info.cpu_count++] = p[3];
			break;
		case MADT_IOAPIC:
			if (acpi_info.ioapic_count < MAX_IOAPICS) {
				int i = acpi_info.ioapic_count++;
				acpi_info.ioapics[i].id = p[2];
				memcpy(&acpi_info.ioapics[i].phys, p + 4, 4);
				memcpy(&acpi_info.ioapics[i].gsi_base, p + 8, 4);
			}
			break;
		case MADT_OVERRIDE:
			if (acpi_info.override_count < MAX_IRQ_OVERRIDES) {
				struct irq_override *o = &acpi_info.overrides[acpi_info.override_count++];
				o->isa_irq = p[3];
				memcpy(&o->gsi, p + 4, 4);
				memcpy(&o->flags, p + 8, 2);
			}
			break;
		case MADT_LAPIC_ADDRESS:
			memcpy(&acpi_info.lapic_phys, p + 4, 8);
			break;
		}
		p += p[1];
	}
}

static void use_pc_defaults(const char *why)
{
	pr_warn("acpi: %s; assuming one CPU and the standard APIC addresses", why);
	acpi_info.lapic_phys = 0xfee00000;
	acpi_info.cpu_count = 1;
	acpi_info.ioapic_count = 1;
	acpi_info.ioapics[0].phys = 0xfec00000;
	acpi_info.ioapics[0].gsi_base = 0;
}

void acpi_init(void)
{
	const struct acpi_rsdp *rsdp = (const void *)boot_info.rsdp_copy;
	const struct acpi_madt *madt;

	if (!boot_info.has_rsdp || memcmp(rsdp->signature, "RSD PTR ", 8) != 0 ||
	    !checksum_ok(rsdp, 20)) {
		use_pc_defaults("no valid RSDP from the boot loader");
		return;
	}
	madt = (const void *)find_table("APIC");
	if (!madt) {
		use_pc_defaults("no MADT");
		return;
	}
	parse_madt(madt);
	acpi_info.from_firmware = true;
	if (acpi_info.cpu_count == 0)
		acpi_info.cpu_count = 1;	/* we are running on one, after all */
	pr_info("acpi: %.6s rev %u: %d CPU(s), %d I/O APIC(s), %d IRQ override(s)",
		rsdp->oem_id, rsdp->revision, acpi_info.cpu_count, acpi_info.ioapic_count,
		acpi_info.override_count);
}
