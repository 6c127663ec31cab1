/*
 * The drivers Pagoda has, in the order they are offered devices.  A new
 * PCI driver goes in pci_drivers; a new virtio device driver (one that
 * runs over the virtio PCI transport) in virtio_drivers.
 */
#include <pci.h>
#include <virtio.h>

extern const struct pci_driver virtio_pci_driver;
extern const struct virtio_driver virtio_blk_driver;

const struct pci_driver *const pci_drivers[] = {
	&virtio_pci_driver,
	NULL,
};

const struct virtio_driver *const virtio_drivers[] = {
	&virtio_blk_driver,
	NULL,
};
