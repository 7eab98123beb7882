// SPDX-License-Identifier: GPL-2.0
/*
 * smo_bench: the guest side of "make bench".  Built out of tree, with the
 * same source, for the vanilla and for the patched kernel (the Makefile
 * defines SMO_BENCH_MOBILITY when the kernel has kmem_cache_setup_mobility()).
 *
 * Commands are written to /sys/kernel/debug/smo_bench/control; reading it
 * returns the result of the last one, "key=value ..." on one line:
 *
 *   fastpath <cache> <n>        n alloc/free pairs, single and bulk (16);
 *                               cache: plain64 (ctor, never movable),
 *                               movable64 (movable on the patched
 *                               kernel), kmalloc-64, kmalloc-256,
 *                               kmalloc-1k.  Cycles per pair (get_cycles()),
 *                               best and median of 7 rounds.
 *   frag <size> <pattern> <n>   fill the bench cache of <size> (64 or 600)
 *                               with n objects, free them by pattern
 *                               (rand50, rand80, rand95, every<k>, oldest),
 *                               then kmem_cache_shrink(): live objects,
 *                               slabs holding them before and after, the
 *                               time of the shrink, the objects moved
 *   minimum <size> <n>          the bare minimum of a move, n times: one
 *                               allocation, one memcpy of the object, one free
 *   memcpy <MiB>                memcpy bandwidth, MiB/s
 *   bigshrink <slabs> <ops>     <slabs> partial slabs of bench_frag64 (ops:
 *                               its objects per slab), one object left in
 *                               each, then a shrink on CPU 0 while CPU 1
 *                               allocates objects of the cache and probes
 *                               CPU 0 with IPIs: the longest IPI round trip
 *                               (CPU 0 runs IRQs off meanwhile), the
 *                               slab count sampled during the pass, the
 *                               same probe with CPU 0 idle
 *   latency <n> <busy>          n single kmalloc-64 alloc/free pairs timed on
 *                               CPU 1 (8 at a time, then a short sleep):
 *                               while CPU 0 shrinks a fragmented 600-byte
 *                               cache (busy=1: pairs timed during the
 *                               shrinks only) or idles (busy=0); p50, p90,
 *                               p99, max in ns
 *
 * Locking: bench_lock serialises the commands.  The bench never frees one of
 * its objects while SLUB moves them (a shrink runs inside a command, see
 * bench_shrink()), so the migrate callback may read an object's index
 * without looking it up.  Objects allocated during a shrink (bigshrink)
 * are published with their index last (smp_store_release()); one whose
 * index is still BENCH_UNPUBLISHED (set by the ctor and before every free:
 * the free pointer of a cache with a ctor lies outside the object) stays
 * where it is.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define BENCH_MAX_OBJS	(1UL << 21)
#define BENCH_ROUNDS	7
#define BENCH_BULK	16
#define BENCH_LAT_SHRINKS 20
#define BENCH_UNPUBLISHED ULONG_MAX
#define BENCH_BIG_OBJS	(1UL << 23)

struct bench_obj {
	unsigned long idx;	/* slot in bench_objs */
	u8 payload[];
};

static DEFINE_MUTEX(bench_lock);
static char bench_result[512];
static struct dentry *bench_dir;
static struct kmem_cache *plain64, *movable64, *frag_cache[2];
static const char *const frag_name[2] = { "bench_frag64", "bench_frag600" };
static void **bench_objs;	/* the live objects of a frag run */
static unsigned long bench_nr, bench_moved;

static void bench_ctor(void *p)
{
	struct bench_obj *o = p;

	o->idx = BENCH_UNPUBLISHED;
}

/* an object of the bench, back to its cache (see "Locking" above) */
static void bench_obj_free(struct kmem_cache *s, struct bench_obj *o)
{
	WRITE_ONCE(o->idx, BENCH_UNPUBLISHED);
	kmem_cache_free(s, o);
}

#ifdef SMO_BENCH_MOBILITY
static void *bench_isolate(struct kmem_cache *s, void **ptr, int nr)
{
	return NULL;	/* nothing is freed while a command runs */
}

static void bench_migrate(struct kmem_cache *s, void **ptr, int nr, int node,
			  void *private)
{
	unsigned int size = kmem_cache_size(s);
	int i;

	for (i = 0; i < nr; i++) {
		struct bench_obj *old = ptr[i], *new;
		/* pairs with smp_store_release() in bench_publish() */
		unsigned long idx = smp_load_acquire(&old->idx);

		if (idx == BENCH_UNPUBLISHED)
			continue;
		new = kmem_cache_alloc_node(s, GFP_KERNEL, node);
		if (!new)
			continue;
		memcpy(new, old, size);
		bench_objs[idx] = new;
		bench_obj_free(s, old);
		bench_moved++;
	}
}

static int bench_mobility(struct kmem_cache *s)
{
	return kmem_cache_setup_mobility(s, bench_isolate, bench_migrate);
}
#else
static int bench_mobility(struct kmem_cache *s)
{
	return 0;
}
#endif

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* alloc/free pair: from a cache, or kmalloc of a size */
static void *bench_alloc(struct kmem_cache *s, size_t size)
{
	return s ? kmem_cache_alloc(s, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
}

static void bench_free(struct kmem_cache *s, void *p)
{
	if (s)
		kmem_cache_free(s, p);
	else
		kfree(p);
}

static int bench_fastpath(const char *name, unsigned long n, char *buf,
			  size_t len)
{
	u64 single[BENCH_ROUNDS], bulk[BENCH_ROUNDS];
	struct kmem_cache *s = NULL;
	void *objs[BENCH_BULK];
	size_t size = 0;
	unsigned long i;
	int r;

	if (!strcmp(name, "plain64"))
		s = plain64;
	else if (!strcmp(name, "movable64"))
		s = movable64;
	else if (!strcmp(name, "kmalloc-64"))
		size = 64;
	else if (!strcmp(name, "kmalloc-256"))
		size = 256;
	else if (!strcmp(name, "kmalloc-1k"))
		size = 1024;
	else
		return -EINVAL;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		cycles_t t0, t1;

		t0 = get_cycles();
		for (i = 0; i < n; i++) {
			void *p = bench_alloc(s, size);

			if (!p)
				return -ENOMEM;
			bench_free(s, p);
		}
		t1 = get_cycles();
		single[r] = (t1 - t0) / n;

		t0 = get_cycles();
		for (i = 0; i < n / BENCH_BULK; i++) {
			if (s) {
				if (!kmem_cache_alloc_bulk(s, GFP_KERNEL,
							   BENCH_BULK, objs))
					return -ENOMEM;
				kmem_cache_free_bulk(s, BENCH_BULK, objs);
			} else {
				int j;

				for (j = 0; j < BENCH_BULK; j++)
					objs[j] = kmalloc(size, GFP_KERNEL);
				kfree_bulk(BENCH_BULK, objs);
			}
		}
		t1 = get_cycles();
		bulk[r] = (t1 - t0) / (n / BENCH_BULK * BENCH_BULK);
		cond_resched();
	}
	sort(single, BENCH_ROUNDS, sizeof(u64), cmp_u64, NULL);
	sort(bulk, BENCH_ROUNDS, sizeof(u64), cmp_u64, NULL);
	scnprintf(buf, len, "single_min=%llu single_med=%llu bulk_min=%llu bulk_med=%llu\n",
		  single[0], single[BENCH_ROUNDS / 2], bulk[0],
		  bulk[BENCH_ROUNDS / 2]);
	return 0;
}

/* slab pages holding the live objects */
static unsigned long bench_slabs(void)
{
	unsigned long i, n = 0;
	struct folio **pages;
	unsigned long nr = 0;

	pages = kvmalloc_array(bench_nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return 0;
	for (i = 0; i < bench_nr; i++)
		if (bench_objs[i])
			pages[nr++] = virt_to_folio(bench_objs[i]);
	sort(pages, nr, sizeof(*pages), cmp_u64, NULL);
	for (i = 0; i < nr; i++)
		if (!i || pages[i] != pages[i - 1])
			n++;
	kvfree(pages);
	return n;
}

/*
 * kmem_cache_shrink() of a movable cache only queues its pass (its caller
 * may hold a lock that the callbacks take); the bench wants the pass done,
 * in its own context, as a write to the cache's sysfs "shrink" runs it.
 */
static int bench_shrink(struct kmem_cache *s)
{
#ifdef SMO_BENCH_MOBILITY
	char path[64];
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
		 frag_name[s == frag_cache[1]]);
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, "1", 1, &pos);
	filp_close(f, NULL);
	return ret < 0 ? ret : 0;
#else
	return kmem_cache_shrink(s) < 0 ? -EIO : 0;
#endif
}

static void bench_free_all(struct kmem_cache *s)
{
	unsigned long i;

	for (i = 0; i < bench_nr; i++)
		if (bench_objs[i])
			bench_obj_free(s, bench_objs[i]);
	bench_nr = 0;
	bench_shrink(s);
}

/* the bench's object @i, from now on found by the migrate callback */
static void bench_publish(struct bench_obj *o, unsigned long i)
{
	bench_objs[i] = o;
	/* pairs with smp_load_acquire() in bench_migrate() */
	smp_store_release(&o->idx, i);
}

static bool bench_pattern_frees(const char *pattern, unsigned long i,
				unsigned long n, struct rnd_state *rnd)
{
	unsigned int k;

	if (!strcmp(pattern, "rand50"))
		return prandom_u32_state(rnd) % 100 < 50;
	if (!strcmp(pattern, "rand80"))
		return prandom_u32_state(rnd) % 100 < 80;
	if (!strcmp(pattern, "rand95"))
		return prandom_u32_state(rnd) % 100 < 95;
	if (!strcmp(pattern, "oldest"))
		return i < n / 2;
	if (sscanf(pattern, "every%u", &k) == 1 && k > 1)
		return i % k != 0;
	return false;
}

static bool bench_pattern_ok(const char *pattern)
{
	unsigned int k;

	return !strcmp(pattern, "rand50") || !strcmp(pattern, "rand80") ||
	       !strcmp(pattern, "rand95") || !strcmp(pattern, "oldest") ||
	       (sscanf(pattern, "every%u", &k) == 1 && k > 1);
}

static struct kmem_cache *bench_frag_cache(unsigned long size)
{
	return size == 64 ? frag_cache[0] : size == 600 ? frag_cache[1] : NULL;
}

/* n new objects of @s (from this CPU's node) in bench_objs */
static int bench_fill(struct kmem_cache *s, unsigned long n)
{
	unsigned long i;

	bench_free_all(s);
	for (i = 0; i < n; i++) {
		struct bench_obj *o = kmem_cache_alloc(s, GFP_KERNEL);

		if (!o) {
			bench_nr = i;
			bench_free_all(s);
			return -ENOMEM;
		}
		bench_publish(o, i);
		if (!(i % 4096))
			cond_resched();
	}
	bench_nr = n;
	return 0;
}

/* Fill and fragment; leaves the survivors in bench_objs */
static int bench_fragment(struct kmem_cache *s, const char *pattern,
			  unsigned long n)
{
	struct rnd_state rnd;
	unsigned long i;
	int err;

	err = bench_fill(s, n);
	if (err)
		return err;
	prandom_seed_state(&rnd, 12345);
	for (i = 0; i < n; i++)
		if (bench_pattern_frees(pattern, i, n, &rnd)) {
			bench_obj_free(s, bench_objs[i]);
			bench_objs[i] = NULL;
		}
	return 0;
}

static int bench_frag(unsigned long size, const char *pattern, unsigned long n,
		      char *buf, size_t len)
{
	struct kmem_cache *s = bench_frag_cache(size);
	unsigned long live = 0, before, after, i;
	u64 t0, t1;
	int err;

	if (!s || !bench_pattern_ok(pattern) || !n || n > BENCH_MAX_OBJS)
		return -EINVAL;
	err = bench_fragment(s, pattern, n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		live += !!bench_objs[i];
	before = bench_slabs();
	bench_moved = 0;
	t0 = ktime_get_ns();
	err = bench_shrink(s);
	t1 = ktime_get_ns();
	if (err) {
		bench_free_all(s);
		return err;
	}
	after = bench_slabs();
	scnprintf(buf, len, "live=%lu before=%lu after=%lu shrink_ns=%llu moved=%lu bytes=%lu\n",
		  live, before, after, t1 - t0, bench_moved,
		  bench_moved * kmem_cache_size(s));
	bench_free_all(s);
	return 0;
}

static int bench_minimum(unsigned long size, unsigned long n, char *buf,
			 size_t len)
{
	struct kmem_cache *s = bench_frag_cache(size);
	unsigned long i;
	u64 t0, t1;
	void *old;

	if (!s || !n || n > BENCH_MAX_OBJS)
		return -EINVAL;
	old = kmem_cache_alloc(s, GFP_KERNEL);
	if (!old)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		void *new = kmem_cache_alloc(s, GFP_KERNEL);

		if (!new)
			break;
		memcpy(new, old, size);
		kmem_cache_free(s, old);
		old = new;
	}
	t1 = ktime_get_ns();
	kmem_cache_free(s, old);
	scnprintf(buf, len, "ns_per_object=%llu\n", (t1 - t0) / n);
	return 0;
}

static int bench_memcpy(unsigned long mib, char *buf, size_t len)
{
	size_t bytes = mib << 20;
	void *a, *b;
	u64 t0, t1;

	if (!mib || mib > 256)
		return -EINVAL;
	a = vmalloc(bytes);
	b = vmalloc(bytes);
	if (!a || !b) {
		vfree(a);
		vfree(b);
		return -ENOMEM;
	}
	memset(a, 1, bytes);
	memset(b, 2, bytes);	/* fault everything in first */
	t0 = ktime_get_ns();
	memcpy(b, a, bytes);
	t1 = ktime_get_ns();
	vfree(a);
	vfree(b);
	scnprintf(buf, len, "mib_per_s=%llu\n",
		  div64_u64((u64)mib * NSEC_PER_SEC, max(t1 - t0, 1ULL)));
	return 0;
}

static struct {
	u64 *ns;
	unsigned long n;
	bool busy;		/* sample only while CPU 0 shrinks */
	bool shrinking;
	unsigned long taken;
} bench_lat;

static int bench_lat_fn(void *data)
{
	unsigned long i = 0;

	while (i < bench_lat.n && !kthread_should_stop()) {
		u64 t0 = ktime_get_ns();
		void *p = kmalloc(64, GFP_KERNEL);
		bool sample = !bench_lat.busy || READ_ONCE(bench_lat.shrinking);

		kfree(p);
		if (sample)
			bench_lat.ns[i++] = ktime_get_ns() - t0;
		if (!(i % 8))
			usleep_range(10, 20);
	}
	WRITE_ONCE(bench_lat.taken, i);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int bench_latency(unsigned long n, unsigned long busy, char *buf,
			 size_t len)
{
	struct kmem_cache *s = frag_cache[1];
	struct task_struct *t;
	unsigned long shrinks = 0;

	if (!n || n > BENCH_MAX_OBJS || busy > 1 || num_online_cpus() < 2)
		return -EINVAL;
	bench_lat.ns = kvmalloc_array(n, sizeof(u64), GFP_KERNEL);
	if (!bench_lat.ns)
		return -ENOMEM;
	bench_lat.n = n;
	bench_lat.busy = busy;
	bench_lat.shrinking = false;
	bench_lat.taken = 0;
	t = kthread_create_on_cpu(bench_lat_fn, NULL, 1, "smo_bench_lat");
	if (IS_ERR(t)) {
		kvfree(bench_lat.ns);
		return PTR_ERR(t);
	}
	wake_up_process(t);
	/* at most BENCH_LAT_SHRINKS shrinks: vanilla's take no time at all */
	while (!READ_ONCE(bench_lat.taken) && shrinks < BENCH_LAT_SHRINKS) {
		if (busy && !bench_fragment(s, "rand80", 50000)) {
			WRITE_ONCE(bench_lat.shrinking, true);
			bench_shrink(s);
			WRITE_ONCE(bench_lat.shrinking, false);
			shrinks++;
			bench_free_all(s);
		} else {
			msleep(20);
		}
	}
	kthread_stop(t);
	n = bench_lat.taken;
	if (!n) {
		/* stopped before its first sample: no shrink lasted long enough */
		scnprintf(buf, len, "samples=0 shrinks=%lu\n", shrinks);
		kvfree(bench_lat.ns);
		return 0;
	}
	sort(bench_lat.ns, n, sizeof(u64), cmp_u64, NULL);
	scnprintf(buf, len, "p50=%llu p90=%llu p99=%llu max=%llu samples=%lu shrinks=%lu\n",
		  bench_lat.ns[n / 2], bench_lat.ns[n * 9 / 10],
		  bench_lat.ns[n * 99 / 100], bench_lat.ns[n - 1], n, shrinks);
	kvfree(bench_lat.ns);
	return 0;
}

/* bigshrink: what CPU 1 sees of CPU 0 while it shrinks bench_frag64 */
static struct {
	struct file *slabs;	/* /sys/kernel/slab/bench_frag64/slabs */
	bool alloc;		/* allocate into bench_objs[next, end) */
	unsigned long next, end;
	u64 max_ns, sum_ns;	/* IPI round trips to CPU 0 */
	unsigned long ipis, samples;
	long max_slabs;
	bool failed;		/* a slab count could not be read */
} bench_big;

static void bench_nothing(void *info)
{
}

/* the slab count of bench_frag64, as its sysfs "slabs" file gives it */
static long bench_slab_count(void)
{
	char buf[32];
	loff_t pos = 0;
	ssize_t len;
	long n;

	len = kernel_read(bench_big.slabs, buf, sizeof(buf) - 1, &pos);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return sscanf(buf, "%ld", &n) == 1 ? n : -1;
}

/*
 * On CPU 1: an IPI to CPU 0 and back, timed, again and again; every 16th
 * time, 16 allocations of bench_frag64 on node 0 (with alloc) and a sample
 * of its slab count.  An IPI waits while CPU 0 runs with IRQs off, so the
 * longest round trip bounds the longest IRQs-off section there from below,
 * within the longest round trip to an idle CPU 0 (the "idle" figures).
 */
static int bench_big_fn(void *data)
{
	struct kmem_cache *s = frag_cache[0];
	unsigned long i = 0, k;

	while (!kthread_should_stop()) {
		u64 t0 = ktime_get_ns(), dt;
		long n;

		smp_call_function_single(0, bench_nothing, NULL, 1);
		dt = ktime_get_ns() - t0;
		bench_big.max_ns = max(bench_big.max_ns, dt);
		bench_big.sum_ns += dt;
		bench_big.ipis++;
		if (++i % 16)
			continue;
		for (k = 0; bench_big.alloc && k < 16 &&
			    bench_big.next < bench_big.end; k++) {
			struct bench_obj *o;

			o = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
			if (!o)
				break;
			bench_publish(o, bench_big.next++);
		}
		n = bench_slab_count();
		if (n < 0)
			bench_big.failed = true;
		bench_big.max_slabs = max(bench_big.max_slabs, n);
		bench_big.samples++;
		cond_resched();
	}
	return 0;
}

static struct task_struct *bench_big_start(bool alloc)
{
	struct task_struct *t;

	bench_big.alloc = alloc;
	bench_big.max_ns = 0;
	bench_big.sum_ns = 0;
	bench_big.ipis = 0;
	bench_big.samples = 0;
	bench_big.max_slabs = 0;
	t = kthread_create_on_cpu(bench_big_fn, NULL, 1, "smo_bench_probe");
	if (!IS_ERR(t))
		wake_up_process(t);
	return t;
}

/*
 * <slabs> slabs of bench_frag64 (<ops> objects each) holding one object
 * each, on node 0.  CPU 1 probes CPU 0 for 0.2 s while it idles, then
 * while it shrinks the cache, allocating meanwhile.  Runs on CPU 0.
 */
static int bench_bigshrink_on0(unsigned long slabs, unsigned long ops,
			       char *buf, size_t len)
{
	struct kmem_cache *s = frag_cache[0];
	unsigned long n = slabs * ops, i, before, after;
	u64 idle_max, idle_avg, t0, t1;
	struct folio *prev = NULL;
	struct task_struct *t;
	long s0;
	int err;

	err = bench_fill(s, n);		/* on node 0: this runs on CPU 0 */
	if (err)
		return err;
	/* a new slab is filled before the next: keep its first object */
	for (i = 0; i < n; i++) {
		struct folio *f = virt_to_folio(bench_objs[i]);

		if (f != prev) {
			prev = f;
			continue;
		}
		bench_obj_free(s, bench_objs[i]);
		bench_objs[i] = NULL;
		if (!(i % 4096))
			cond_resched();
	}
	before = bench_slabs();
	bench_big.slabs = filp_open("/sys/kernel/slab/bench_frag64/slabs",
				    O_RDONLY, 0);
	if (IS_ERR(bench_big.slabs)) {
		err = PTR_ERR(bench_big.slabs);
		goto out;
	}
	bench_big.failed = false;
	s0 = bench_slab_count();

	t = bench_big_start(false);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out_close;
	}
	msleep(200);
	kthread_stop(t);
	idle_max = bench_big.max_ns;
	idle_avg = div64_u64(bench_big.sum_ns, max(bench_big.ipis, 1UL));

	/* room for a quarter of the objects more, from CPU 1 */
	bench_big.next = n;
	bench_big.end = min(n + n / 4, BENCH_BIG_OBJS);
	bench_moved = 0;
	t = bench_big_start(true);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out_close;
	}
	while (!READ_ONCE(bench_big.samples))	/* the probe runs */
		usleep_range(100, 200);
	t0 = ktime_get_ns();
	err = bench_shrink(s);
	t1 = ktime_get_ns();
	kthread_stop(t);
	bench_nr = bench_big.next;
	after = bench_slabs();
	if (!err && bench_big.failed)
		err = -EIO;
	if (!err)
		scnprintf(buf, len,
			  "slabs=%lu before=%lu after=%lu shrink_ms=%llu moved=%lu allocated=%lu slabs_start=%ld slabs_max=%ld growth=%ld samples=%lu ipis=%lu ipi_max_us=%llu ipi_avg_us=%llu idle_max_us=%llu idle_avg_us=%llu\n",
			  slabs, before, after, div_u64(t1 - t0, NSEC_PER_MSEC),
			  bench_moved, bench_big.next - n, s0,
			  bench_big.max_slabs, bench_big.max_slabs - s0,
			  bench_big.samples, bench_big.ipis,
			  div_u64(bench_big.max_ns, NSEC_PER_USEC),
			  div64_u64(bench_big.sum_ns,
				    max(bench_big.ipis, 1UL) * NSEC_PER_USEC),
			  div_u64(idle_max, NSEC_PER_USEC),
			  div_u64(idle_avg, NSEC_PER_USEC));
out_close:
	filp_close(bench_big.slabs, NULL);
out:
	bench_big.slabs = NULL;
	bench_free_all(s);
	return err;
}

static int bench_bigshrink(unsigned long slabs, unsigned long ops, char *buf,
			   size_t len)
{
	int err;

	if (!slabs || !ops || slabs > BENCH_BIG_OBJS || ops > PAGE_SIZE ||
	    slabs * ops > BENCH_BIG_OBJS ||
	    !cpu_online(0) || !cpu_online(1) || !frag_cache[0])
		return -EINVAL;
	err = set_cpus_allowed_ptr(current, cpumask_of(0));
	if (err)
		return err;
	err = bench_bigshrink_on0(slabs, ops, buf, len);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	return err;
}

static int bench_run(char *cmd, char *buf, size_t len)
{
	char *argv[5];
	unsigned long a, b;
	int argc = 0;
	char *tok;

	while ((tok = strsep(&cmd, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (argc == ARRAY_SIZE(argv))
			return -EINVAL;
		argv[argc++] = tok;
	}
	if (argc == 3 && !strcmp(argv[0], "fastpath") && !kstrtoul(argv[2], 0, &a) &&
	    a >= BENCH_BULK && a <= BENCH_MAX_OBJS)
		return bench_fastpath(argv[1], a, buf, len);
	if (argc == 4 && !strcmp(argv[0], "frag") && !kstrtoul(argv[1], 0, &a) &&
	    !kstrtoul(argv[3], 0, &b))
		return bench_frag(a, argv[2], b, buf, len);
	if (argc == 3 && !strcmp(argv[0], "minimum") && !kstrtoul(argv[1], 0, &a) &&
	    !kstrtoul(argv[2], 0, &b))
		return bench_minimum(a, b, buf, len);
	if (argc == 2 && !strcmp(argv[0], "memcpy") && !kstrtoul(argv[1], 0, &a))
		return bench_memcpy(a, buf, len);
	if (argc == 3 && !strcmp(argv[0], "bigshrink") && !kstrtoul(argv[1], 0, &a) &&
	    !kstrtoul(argv[2], 0, &b))
		return bench_bigshrink(a, b, buf, len);
	if (argc == 3 && !strcmp(argv[0], "latency") && !kstrtoul(argv[1], 0, &a) &&
	    !kstrtoul(argv[2], 0, &b))
		return bench_latency(a, b, buf, len);
	return -EINVAL;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[128];
	int err;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	mutex_lock(&bench_lock);
	bench_result[0] = '\0';
	err = bench_run(cmd, bench_result, sizeof(bench_result));
	mutex_unlock(&bench_lock);
	return err ? err : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_result,
				      strlen(bench_result));
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.write = bench_write,
	.read = bench_read,
	.llseek = default_llseek,
};

static void bench_destroy(void)
{
	kmem_cache_destroy(plain64);
	kmem_cache_destroy(movable64);
	kmem_cache_destroy(frag_cache[0]);
	kmem_cache_destroy(frag_cache[1]);
	vfree(bench_objs);
}

static int __init smo_bench_init(void)
{
	bench_objs = vzalloc(BENCH_BIG_OBJS * sizeof(void *));
	plain64 = kmem_cache_create("bench_plain64", 64, 0, SLAB_NO_MERGE,
				    bench_ctor);
	movable64 = kmem_cache_create("bench_movable64", 64, 0, SLAB_NO_MERGE,
				      bench_ctor);
	frag_cache[0] = kmem_cache_create("bench_frag64", 64, 0, SLAB_NO_MERGE,
					  bench_ctor);
	frag_cache[1] = kmem_cache_create("bench_frag600", 600, 0,
					  SLAB_NO_MERGE, bench_ctor);
	if (!bench_objs || !plain64 || !movable64 || !frag_cache[0] ||
	    !frag_cache[1] || bench_mobility(movable64) ||
	    bench_mobility(frag_cache[0]) || bench_mobility(frag_cache[1])) {
		bench_destroy();
		return -ENOMEM;
	}
	bench_dir = debugfs_create_dir("smo_bench", NULL);
	debugfs_create_file("control", 0600, bench_dir, NULL, &bench_fops);
	pr_info("smo_bench: loaded, mobility %s\n",
		IS_ENABLED(SMO_BENCH_MOBILITY) ? "on" : "off");
	return 0;
}

static void __exit smo_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_free_all(frag_cache[0]);
	bench_destroy();
}

module_init(smo_bench_init);
module_exit(smo_bench_exit);
MODULE_DESCRIPTION("SMO benchmarks (out of tree, for vanilla and patched)");
MODULE_LICENSE("GPL");
