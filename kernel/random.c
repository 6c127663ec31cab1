/*
 * Random bytes for AT_RANDOM (stack canaries in user space) and
 * getrandom().  A xorshift generator seeded from the TSC and, when the CPU
 * has it, RDRAND, reseeded on every call with the TSC.  Good enough to
 * make canaries differ from run to run; not a cryptographic generator.
 *
 * Lock: random_lock protects the state.
 */
#include <errno.h>
#include <random.h>
#include <spinlock.h>
#include <string.h>
#include <usercopy.h>
#include <x86.h>

static struct spinlock random_lock = SPINLOCK_INIT("random");
static u64 state[2] = { 0x9e3779b97f4a7c15ul, 0xbf58476d1ce4e5b9ul };

static u64 next(void)
{
	u64 s1 = state[0], s0 = state[1];

	state[0] = s0;
	s1 ^= s1 << 23;
	state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return state[1] + s0;
}

void get_random_bytes(void *buf, size_t len)
{
	u8 *out = buf;

	spin_lock(&random_lock);
	state[0] ^= rdtsc();
	while (len > 0) {
		u64 v = next();
		size_t n = MIN(len, sizeof(v));

		memcpy(out, &v, n);
		out += n;
		len -= n;
	}
	spin_unlock(&random_lock);
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

long sys_getrandom(void *ubuf, size_t len, unsigned int flags)
{
	u8 chunk[256];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, (size_t)0x1ffffff);	/* Linux caps one call at 32 MiB - 1 */
	while (done < len) {
		size_t n = MIN(len - done, sizeof(chunk));

		get_random_bytes(chunk, n);
		if (copy_to_user((u8 *)ubuf + done, chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return done;
}
