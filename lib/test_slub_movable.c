// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for SLUB movable objects: fragment a cache on purpose, let
 * SLUB move its objects, and verify every object it owns.
 *
 * The module creates three constructor-backed caches, smo_test_64,
 * smo_test_600 and smo_test_acct (SLAB_NO_MERGE, so each has its own
 * directory in /sys/kernel/slab/).  smo_test_acct is also SLAB_ACCOUNT:
 * its objects are charged to the memory cgroup of the task that writes
 * "alloc", and its migrate callback allocates copies with
 * kmem_cache_alloc_move() (charged as the original, without reclaim).
 * The other two allocate copies with GFP_KERNEL, so that vacating under
 * memory pressure (hog) can reclaim for them.  It owns every object it allocates: objects live in
 * a per-cache XArray indexed by a unique id, and each carries its id and a
 * checksum of its payload, so that "check" can prove that no object was
 * lost or corrupted.  Mobility is off until "enable <cache>".
 *
 * Commands are written to /sys/kernel/debug/test_slub_movable/control, one
 * per write; reading the file returns the result of the last command.
 *
 *   alloc <cache> <n> [<node>]         allocate n objects for node (any
 *                                      online node, with memory or not)
 *   free <cache> count <n> [<pos>]     free n objects from the pos-th one
 *   free <cache> every <k> [<offset>]  free objects at positions offset,
 *                                      offset + k, ... (in id order)
 *   free <cache> random <seed> <pct>   free each object with pct % chance
 *   free <cache> all                   free every object
 *   check <cache>                      verify every object; the result is
 *                                      "objects=N N0=a N1=b ..." (the node
 *                                      of each object's memory)
 *   slabs <cache>                      the slabs that hold the objects,
 *                                      "S N0=a N1=b ..." as in sysfs
 *                                      "slabs", counted from the objects'
 *                                      addresses (works without
 *                                      CONFIG_SLUB_DEBUG)
 *   hog <node> [<pages>]               take every page of the node that an
 *                                      allocation without reclaim can get
 *                                      (at most <pages>), so that the node
 *                                      looks exhausted (alloc takes what
 *                                      kswapd frees meanwhile); the result
 *                                      is "pages=N"
 *   hog <node> all                     take every page, even below the
 *                                      watermarks: "pages=N"
 *   hog <node> block <bytes>           take every page, even below the
 *                                      watermarks, then give back
 *                                      the pages of one aligned block of
 *                                      that many bytes that was entirely
 *                                      free: the node's allocations then
 *                                      come from that block alone; the
 *                                      result is "pages=N block=B"
 *   unhog                              give the pages back
 *   blocks <cache> <bytes>             objects per aligned block of that
 *                                      many bytes (a power of two: a
 *                                      memory block, a pageblock), the 32
 *                                      fullest: "B<n>=<objects> ..." where
 *                                      block n starts at n * bytes
 *   pages <cache> <block> <bytes>      what the pages of aligned block
 *                                      <block> of that many bytes hold:
 *                                      "free=F pcp=P ours=O slab=S lru=L
 *                                      other=X offline=Y" (pages: in the
 *                                      buddy allocator, free on per-cpu
 *                                      lists, slabs that hold objects of
 *                                      the cache, other slabs, on the LRU,
 *                                      anything else, not online); a
 *                                      snapshot taken without locks
 *   vacate <cache> [<max>]             kmem_cache_vacate() on every slab
 *                                      page (at most max) that holds
 *                                      objects of the cache: "slabs=N
 *                                      freed=M"
 *   contig <pfn> <nr_pages>            alloc_contig_range() of the range,
 *                                      then give it back; fails with its
 *                                      error (-EBUSY)
 *   enable <cache> [<mode>]            make the objects movable; the
 *                                      callbacks then: (no mode) move
 *                                      every live object; "decline": pin
 *                                      none; "nomem": never get memory for
 *                                      the copy; "slow <ms>": sleep that
 *                                      long in each isolate call, then move
 *   disable <cache>                    make the objects immovable
 *   owner <cache> shrink <n>           hold the owner's lock (the mutex the
 *                                      callbacks take) and call
 *                                      kmem_cache_shrink() n times:
 *                                      "shrinks=N"
 *   owner <cache> create <n>           hold the owner's lock and create and
 *                                      destroy a cache n times: "caches=N"
 *   moves <cache> [reset]              how often each live object moved:
 *                                      "max=M total=T" (or set it to 0)
 *   leak <cache>                       at module exit, give up the objects
 *                                      instead of freeing them, and leave
 *                                      mobility on: kmem_cache_destroy()
 *                                      then finds them ("objects=N")
 *   stats <cache>                      "moved=M failed=F deferred=D
 *                                      declined=X": live objects the
 *                                      callbacks moved, could not move,
 *                                      freed for a concurrent free, and
 *                                      did not pin ("decline")
 *   defrag [<node>]                    run kmem_defrag_slabs(node); the
 *                                      result is "freed=N"
 *   stress start <cache> [<cpu> <n>]   start one thread per online CPU that
 *                                      allocates, verifies and frees objects
 *                                      of the cache in a loop, 32 at a time;
 *                                      with <cpu> and <n> (1..4096), one
 *                                      thread on that CPU, <n> at a time:
 *                                      more than a few slabs hold, so each
 *                                      round creates slabs and frees them
 *   stress stop                        stop them; the result is
 *                                      "ops=N errors=E" (-EIO if E > 0)
 *   selftest                           run the module's own tests
 *
 * The XArray test works on an array of its own whose nodes come from the
 * kernel's movable "xa_node" cache (XA_FLAGS_MOVABLE), which the page
 * cache shares; the cache is shrunk, moved and balanced through its sysfs
 * files while the test runs:
 *
 *   xa fill <nodes>                    store <nodes> * 64 value entries
 *                                      (one leaf node each 64), marks 0
 *                                      and 1 on every 3rd and 5th index;
 *                                      with CONFIG_XARRAY_MULTI also
 *                                      <nodes> entries of order 4 (mark 0
 *                                      on each), checked by the readers
 *   xa sparse <k>                      erase every entry of the leaf nodes
 *                                      not a multiple of k, and the odd
 *                                      entries of the others: slabs of
 *                                      xa_node become sparse
 *   xa start [<readers>]               start lockless readers (default:
 *                                      one per online CPU) that walk the
 *                                      array, entries and marks, and check
 *                                      what they see, and one writer that
 *                                      stores and erases entries in a
 *                                      range of its own and checks each
 *   xa stop                            stop them: "walks=W writes=X
 *                                      errors=E" (-EIO if E > 0)
 *   xa check                           look up every index and mark:
 *                                      "entries=N nodes=M N0=a N1=b ..."
 *                                      (entries and leaf nodes of the
 *                                      stable part, nodes per NUMA node),
 *                                      -EIO if an entry or mark is wrong
 *                                      or lost
 *   xa snapshot                        remember where the leaf nodes of
 *                                      the stable part and of the
 *                                      multi-index entries are: from now
 *                                      on "xa check" adds "kept=K", how
 *                                      many of them are still at one of
 *                                      those addresses (not moved)
 *   xa free                            erase everything
 *   movecheck <cache> [pfmemalloc]     copy the first 1024 live objects
 *                                      with kmem_cache_alloc_move() (from a
 *                                      memalloc_noreclaim_save() scope:
 *                                      PF_MEMALLOC), compare each copy's
 *                                      memory cgroup with its original's,
 *                                      free it: "charged=C same=S other=O
 *                                      none=N" (originals charged to a
 *                                      cgroup; copies charged as their
 *                                      original, otherwise, not had); -EIO
 *                                      if the task's memory.high overage
 *                                      changed
 *   mapping <path>                     whether the page cache of the file
 *                                      at <path> (magic links followed:
 *                                      /proc/self/fd/N) may move:
 *                                      "movable=M pages=N" (M is 1 if its
 *                                      i_pages has XA_FLAGS_MOVABLE)
 *
 * <cache> is a cache name (smo_test_64, smo_test_600 or smo_test_acct).
 * Positions count live objects in id order, starting at 0.  A malformed
 * command, an unknown cache, a node that is not online (or, except for
 * alloc, has no memory), or a number out of range fails with -EINVAL
 * (-ENODEV for the node) and changes nothing.  While stress threads run,
 * alloc, free and check fail with -EBUSY.
 *
 * Locking: smo_lock (a mutex) serialises the commands.  Each cache's lock
 * (a spinlock) protects its objects against the SLUB callbacks, which run
 * from kmem_cache_shrink() and kmem_defrag_slabs() without smo_lock:
 * under sc->lock an object is freed, pinned, unpinned or replaced.  Both
 * callbacks also take sc->owner, a mutex standing for the sleeping lock
 * a real owner holds around its own work, and "owner" holds it while it
 * calls into SLUB, as a real owner may.
 * smo_isolate() finds out whether an object is live by looking its address
 * up in sc->live, never by reading it: an object freed concurrently must
 * not be touched.  The owner frees a pinned object by marking it
 * SMO_FREE_PENDING, and smo_migrate() frees it.  Lock order: smo_lock,
 * (SLUB's per-cache mobility mutex, around the callbacks,) sc->owner,
 * then slab_mutex and cpu_hotplug_lock for "owner create", or sc->lock
 * and xa_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/crc32.h>
#include <linux/kmemleak.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/nodemask.h>
#include <linux/prandom.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#define SMO_CMD_MAX	256
#define SMO_RESULT_MAX	1024
#define SMO_MAX_ALLOC	(4U * 1024 * 1024)

/* smo_obj.flags, changed under sc->lock */
#define SMO_PINNED		0x1	/* isolated: migrate will handle it */
#define SMO_FREE_PENDING	0x2	/* freed while pinned */

struct smo_obj {
	unsigned long id;
	u32 csum;
	u32 len;		/* bytes of payload */
	u32 flags;
	u32 moves;		/* times this object was moved */
	u8 payload[];
};

/* What the callbacks of a cache do: "enable <cache> [<mode>]" */
enum smo_mode {
	SMO_MOVE,		/* move every live object */
	SMO_DECLINE,		/* pin nothing */
	SMO_NOMEM,		/* the copy never gets memory */
	SMO_SLOW,		/* sleep in isolate, then move */
};

struct smo_cache {
	const char *name;
	unsigned int size;
	unsigned int shift;	/* address >> shift: key in live */
	slab_flags_t flags;	/* besides SLAB_NO_MERGE */
	struct kmem_cache *cache;
	spinlock_t lock;	/* objects: see the top of the file */
	struct mutex owner;	/* taken by the callbacks */
	enum smo_mode mode;	/* set under smo_lock, read by the callbacks */
	unsigned int slow_ms;
	bool leak;		/* module exit gives the objects up */
	struct xarray objs;	/* id -> struct smo_obj * */
	struct xarray live;	/* address >> shift -> struct smo_obj * */
	unsigned long next_id;
	unsigned long nr_objs;
	unsigned long moved, failed, deferred, declined;
};

static struct smo_cache smo_caches[] = {
	{ .name = "smo_test_64", .size = 64 },
	{ .name = "smo_test_600", .size = 600 },
	{ .name = "smo_test_acct", .size = 64, .flags = SLAB_ACCOUNT },
};

static DEFINE_MUTEX(smo_lock);

/* A stress thread's cache and objects of one round */
struct smo_stress_ids {
	struct smo_cache *sc;
	unsigned int batch;
	unsigned long id[] __counted_by(batch);
};

/* Stress threads: started and stopped under smo_lock */
static struct {
	struct task_struct **tasks;
	struct smo_stress_ids **ids;
	unsigned int nr;
	atomic_long_t ops, errors;
} smo_stress;

#define SMO_STRESS_BATCH	32
#define SMO_STRESS_MAX_BATCH	4096
/* Pages taken by "hog", linked by page->lru; under smo_lock */
static LIST_HEAD(smo_hog_pages);
static unsigned long smo_hog_nr;
static int smo_hog_node = NUMA_NO_NODE;
static unsigned long smo_hog_max;
static bool smo_hog_refill;	/* alloc takes back what kswapd frees */

static char smo_result[SMO_RESULT_MAX];
static struct dentry *smo_dir;

static void smo_ctor(void *p)
{
	struct smo_obj *obj = p;

	obj->id = ULONG_MAX;
	obj->csum = 0;
	obj->len = 0;
	obj->flags = 0;
	obj->moves = 0;
}

/*
 * The index of an object in sc->live: its address without the KASAN tag
 * (tag-based KASAN puts the tag in the top byte), so that sc->live is
 * ordered by address; the entry is the pointer with its tag.
 */
static unsigned long smo_key(struct smo_cache *sc, void *obj)
{
	return (unsigned long)kasan_reset_tag(obj) >> sc->shift;
}

/* The payload is a function of the id, so a moved object can be checked. */
static void smo_fill(struct smo_cache *sc, struct smo_obj *obj,
		     unsigned long id)
{
	struct rnd_state rnd;

	obj->id = id;
	/*
	 * The constructor runs once per slab, not per allocation: a freed
	 * object keeps its flags, SMO_FREE_PENDING included, and its
	 * next owner must not inherit them.
	 */
	obj->flags = 0;
	obj->moves = 0;
	obj->len = sc->size - sizeof(*obj);
	prandom_seed_state(&rnd, id);
	prandom_bytes_state(&rnd, obj->payload, obj->len);
	obj->csum = crc32_le(~0, obj->payload, obj->len);
}

static bool smo_obj_ok(struct smo_cache *sc, struct smo_obj *obj,
		       unsigned long id)
{
	return obj->id == id && obj->len == sc->size - sizeof(*obj) &&
	       obj->csum == crc32_le(~0, obj->payload, obj->len);
}

static int smo_parse_ulong(const char *s, unsigned long max,
			   unsigned long *val)
{
	if (!s || kstrtoul(s, 0, val) || *val > max)
		return -EINVAL;
	return 0;
}

static struct smo_cache *smo_find_cache(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(smo_caches); i++)
		if (!strcmp(smo_caches[i].name, name))
			return &smo_caches[i];
	return NULL;
}

static struct smo_cache *smo_cache_of(struct kmem_cache *s)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(smo_caches); i++)
		if (smo_caches[i].cache == s)
			return &smo_caches[i];
	return NULL;
}

/*
 * Pin the objects that are still live; NULL the others.  An object is
 * live if sc->live maps its address to it: that lookup reads only the
 * XArray, so an object freed concurrently is never touched.
 */
static void *smo_isolate(struct kmem_cache *s, void **ptr, int nr)
{
	struct smo_cache *sc = smo_cache_of(s);
	int i;

	if (WARN_ON_ONCE(!sc)) {
		memset(ptr, 0, nr * sizeof(*ptr));
		return NULL;
	}
	if (READ_ONCE(sc->mode) == SMO_SLOW)
		msleep(READ_ONCE(sc->slow_ms));
	mutex_lock(&sc->owner);
	spin_lock(&sc->lock);
	for (i = 0; i < nr; i++) {
		struct smo_obj *obj = ptr[i];

		if (xa_load(&sc->live, smo_key(sc, obj)) != obj) {
			ptr[i] = NULL;
			continue;
		}
		if (READ_ONCE(sc->mode) == SMO_DECLINE) {
			sc->declined++;
			ptr[i] = NULL;
			continue;
		}
		obj->flags |= SMO_PINNED;
	}
	spin_unlock(&sc->lock);
	mutex_unlock(&sc->owner);
	return sc;
}

/*
 * Move one pinned object to @node: allocate, copy, repoint the module's
 * references (objs and live), free the old object.  If the owner freed it
 * meanwhile, just free it; if no memory, unpin it and leave it.
 */
static void smo_migrate_one(struct smo_cache *sc, struct smo_obj *obj,
			    int node)
{
	struct smo_obj *new;
	bool free_old = false;

	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

	/* NUMA_NO_NODE (vacate): anywhere */
	if (node != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;
	new = NULL;
	if (READ_ONCE(sc->mode) != SMO_NOMEM) {
		if (sc->flags & SLAB_ACCOUNT)
			new = kmem_cache_alloc_move(sc->cache, obj, gfp, node);
		else
			new = kmem_cache_alloc_node(sc->cache, gfp, node);
	}
	if (new && xa_reserve(&sc->live, smo_key(sc, new), GFP_KERNEL)) {
		kmem_cache_free(sc->cache, new);
		new = NULL;
	}

	spin_lock(&sc->lock);
	obj->flags &= ~SMO_PINNED;
	if (obj->flags & SMO_FREE_PENDING) {
		sc->deferred++;
		free_old = true;
	} else if (new) {
		memcpy(new, obj, sc->size);
		new->moves++;
		xa_store(&sc->objs, obj->id, new, GFP_ATOMIC);
		xa_erase(&sc->live, smo_key(sc, obj));
		xa_store(&sc->live, smo_key(sc, new), new, GFP_ATOMIC);
		sc->moved++;
		free_old = true;
		new = NULL;
	} else {
		sc->failed++;
	}
	spin_unlock(&sc->lock);

	if (new) {
		xa_release(&sc->live, smo_key(sc, new));
		kmem_cache_free(sc->cache, new);
	}
	if (free_old)
		kmem_cache_free(sc->cache, obj);
}

static void smo_migrate(struct kmem_cache *s, void **ptr, int nr, int node,
			void *private)
{
	struct smo_cache *sc = private;
	int i;

	if (!sc)
		return;
	mutex_lock(&sc->owner);
	for (i = 0; i < nr; i++)
		if (ptr[i])
			smo_migrate_one(sc, ptr[i], node);
	mutex_unlock(&sc->owner);
}

/* "moves <cache> [reset]": how often the live objects moved */
static int smo_moves(struct smo_cache *sc, bool reset, char *buf,
		     size_t size)
{
	unsigned long id, max = 0, total = 0;
	struct smo_obj *obj;

	spin_lock(&sc->lock);
	xa_for_each(&sc->objs, id, obj) {
		if (reset)
			obj->moves = 0;
		max = max_t(unsigned long, max, obj->moves);
		total += obj->moves;
	}
	spin_unlock(&sc->lock);
	scnprintf(buf, size, "max=%lu total=%lu\n", max, total);
	return 0;
}

static void smo_owner_ctor(void *p)
{
}

/*
 * "owner <cache> shrink|create <n>": what an owner may do under its own
 * lock, sc->owner, which the callbacks of the cache take too.  SLUB must
 * neither call the callbacks from kmem_cache_shrink() in this context nor
 * hold, around any callback, a lock that kmem_cache_create() and
 * kmem_cache_destroy() take.
 */
static int smo_owner(struct smo_cache *sc, bool create, unsigned long n,
		     char *buf, size_t size)
{
	struct kmem_cache *c;
	unsigned long i;
	int err = 0;

	mutex_lock(&sc->owner);
	for (i = 0; i < n && !err; i++) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (!create) {
			kmem_cache_shrink(sc->cache);
			continue;
		}
		c = kmem_cache_create("smo_owner_tmp", 32, 0, SLAB_NO_MERGE,
				      smo_owner_ctor);
		if (!c)
			err = -ENOMEM;
		kmem_cache_destroy(c);
	}
	mutex_unlock(&sc->owner);
	scnprintf(buf, size, "%s=%lu\n", create ? "caches" : "shrinks", i);
	return err;
}

/* "enable <cache> [decline|nomem|slow <ms>]" */
static int smo_enable(struct smo_cache *sc, int argc, char **argv)
{
	enum smo_mode mode = SMO_MOVE;
	unsigned long ms = 0;
	int err;

	if (argc == 3 && !strcmp(argv[2], "decline"))
		mode = SMO_DECLINE;
	else if (argc == 3 && !strcmp(argv[2], "nomem"))
		mode = SMO_NOMEM;
	else if (argc == 4 && !strcmp(argv[2], "slow") &&
		 !smo_parse_ulong(argv[3], 10000, &ms) && ms)
		mode = SMO_SLOW;
	else if (argc != 2)
		return -EINVAL;
	err = kmem_cache_setup_mobility(sc->cache, smo_isolate, smo_migrate);
	if (!err) {
		WRITE_ONCE(sc->slow_ms, ms);
		WRITE_ONCE(sc->mode, mode);
	}
	return err;
}

/*
 * Allocate one object on @node and enter it in objs and live at once,
 * under sc->lock: smo_isolate() must never see it in one and not the
 * other.  The slots are reserved first, so the stores do not allocate.
 */
static int smo_alloc_one(struct smo_cache *sc, int node, unsigned long *idp)
{
	struct smo_obj *obj;
	unsigned long id;
	int err;

	obj = kmem_cache_alloc_node(sc->cache, GFP_KERNEL, node);
	if (!obj)
		return -ENOMEM;
	spin_lock(&sc->lock);
	id = sc->next_id++;
	spin_unlock(&sc->lock);
	smo_fill(sc, obj, id);
	err = xa_reserve(&sc->objs, id, GFP_KERNEL);
	if (!err) {
		err = xa_reserve(&sc->live, smo_key(sc, obj), GFP_KERNEL);
		if (err)
			xa_release(&sc->objs, id);
	}
	if (err) {
		kmem_cache_free(sc->cache, obj);
		return err;
	}
	spin_lock(&sc->lock);
	xa_store(&sc->objs, id, obj, GFP_ATOMIC);
	xa_store(&sc->live, smo_key(sc, obj), obj, GFP_ATOMIC);
	sc->nr_objs++;
	spin_unlock(&sc->lock);
	*idp = id;
	return 0;
}

static void smo_hog_fill(gfp_t gfp);

#define SMO_HOG_GFP	(GFP_NOWAIT | __GFP_THISNODE | __GFP_NOWARN)

static int smo_alloc(struct smo_cache *sc, unsigned long n, int node)
{
	unsigned long i, id;
	int err;

	for (i = 0; i < n; i++) {
		if (smo_hog_refill && !(i % 16))
			smo_hog_fill(SMO_HOG_GFP);
		err = smo_alloc_one(sc, node, &id);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

/* Is object @id there and intact? */
static bool smo_verify(struct smo_cache *sc, unsigned long id)
{
	struct smo_obj *obj;
	bool ok;

	spin_lock(&sc->lock);
	obj = xa_load(&sc->objs, id);
	ok = obj && smo_obj_ok(sc, obj, id);
	spin_unlock(&sc->lock);
	return ok;
}

static void smo_free_one(struct smo_cache *sc, unsigned long id)
{
	struct smo_obj *obj;

	spin_lock(&sc->lock);
	obj = xa_erase(&sc->objs, id);
	if (WARN_ON_ONCE(!obj)) {
		spin_unlock(&sc->lock);
		return;
	}
	xa_erase(&sc->live, smo_key(sc, obj));
	sc->nr_objs--;
	if (obj->flags & SMO_PINNED) {
		obj->flags |= SMO_FREE_PENDING;	/* smo_migrate() frees it */
		obj = NULL;
	}
	spin_unlock(&sc->lock);
	if (obj)
		kmem_cache_free(sc->cache, obj);
}

enum smo_pattern { SMO_COUNT, SMO_EVERY, SMO_RANDOM, SMO_ALL };

/* Free the live objects that @pattern selects; positions are in id order. */
static unsigned long smo_free(struct smo_cache *sc, enum smo_pattern pattern,
			      unsigned long a, unsigned long b)
{
	struct rnd_state rnd;
	unsigned long id, pos = 0, freed = 0;
	struct smo_obj *obj;

	prandom_seed_state(&rnd, a);
	xa_for_each(&sc->objs, id, obj) {
		bool hit;

		switch (pattern) {
		case SMO_COUNT:
			hit = pos >= b && pos - b < a;
			break;
		case SMO_EVERY:
			hit = pos >= b && (pos - b) % a == 0;
			break;
		case SMO_RANDOM:
			hit = prandom_u32_state(&rnd) % 100 < b;
			break;
		default:
			hit = true;
		}
		pos++;
		if (hit) {
			smo_free_one(sc, id);
			freed++;
		}
		cond_resched();
	}
	return freed;
}

/* Append " N<n>=<count>" for each node with a count, and a newline. */
static void smo_emit_nodes(char *buf, size_t size, size_t len,
			   const unsigned long *per_node)
{
	int nid;

	for_each_node(nid)
		if (per_node[nid])
			len += scnprintf(buf + len, size - len, " N%d=%lu",
					 nid, per_node[nid]);
	scnprintf(buf + len, size - len, "\n");
}

/*
 * The address of the object sc->live holds at @key, looked up again under
 * sc->lock (objects move), or NULL.  Only for address arithmetic: the
 * object may be freed as soon as the lock is dropped.
 */
static void *smo_live_addr(struct smo_cache *sc, unsigned long key)
{
	void *obj;

	spin_lock(&sc->lock);
	obj = xa_load(&sc->live, key);
	spin_unlock(&sc->lock);
	return obj;
}

/* counts[index] += n, for counts kept as XArray values */
static int smo_count_add(struct xarray *counts, unsigned long index,
			 unsigned long n)
{
	void *entry = xa_load(counts, index);

	n += entry ? xa_to_value(entry) : 0;
	return xa_err(xa_store(counts, index, xa_mk_value(n), GFP_KERNEL));
}

/* Verify every object; report the count and the node of each object. */
static int smo_check(struct smo_cache *sc, char *buf, size_t size)
{
	unsigned long id, n = 0, bad = 0;
	unsigned long *per_node;
	struct smo_obj *obj;
	size_t len;

	per_node = kcalloc(nr_node_ids, sizeof(*per_node), GFP_KERNEL);
	if (!per_node)
		return -ENOMEM;
	xa_for_each(&sc->objs, id, obj) {
		/* objects move under sc->lock: look again under it */
		spin_lock(&sc->lock);
		obj = xa_load(&sc->objs, id);
		if (obj) {
			if (!smo_obj_ok(sc, obj, id)) {
				if (!bad)
					pr_err("%s: object %lu at %p corrupted\n",
					       sc->name, id, obj);
				bad++;
			}
			per_node[page_to_nid(virt_to_page(obj))]++;
			n++;
		}
		spin_unlock(&sc->lock);
		cond_resched();
	}
	len = scnprintf(buf, size, "objects=%lu", n);
	smo_emit_nodes(buf, size, len, per_node);
	kfree(per_node);
	if (bad || n != sc->nr_objs) {
		pr_err("%s: %lu corrupted, %lu found, %lu expected\n",
		       sc->name, bad, n, sc->nr_objs);
		return -EIO;
	}
	return 0;
}

/*
 * Count the slabs that hold the cache's objects, per node.  sc->live is
 * ordered by address and a slab is one contiguous range, so the slab
 * changes exactly when the folio does.
 */
static int smo_slabs(struct smo_cache *sc, char *buf, size_t size)
{
	struct folio *last = NULL;
	unsigned long *per_node, key, total = 0;
	struct smo_obj *obj;

	per_node = kcalloc(nr_node_ids, sizeof(*per_node), GFP_KERNEL);
	if (!per_node)
		return -ENOMEM;
	xa_for_each(&sc->live, key, obj) {
		void *addr = smo_live_addr(sc, key);
		struct folio *folio = addr ? virt_to_folio(addr) : NULL;

		if (folio && folio != last) {
			per_node[folio_nid(folio)]++;
			total++;
			last = folio;
		}
		cond_resched();
	}
	smo_emit_nodes(buf, size, scnprintf(buf, size, "%lu", total),
		       per_node);
	kfree(per_node);
	return 0;
}

static void smo_unhog(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &smo_hog_pages, lru) {
		list_del(&page->lru);
		__free_pages(page, page_private(page));
	}
	smo_hog_nr = 0;
	smo_hog_node = NUMA_NO_NODE;
	smo_hog_refill = false;
}

/*
 * Take every page of the hogged node that @gfp can get, largest blocks
 * first (SMO_HOG_GFP is what SLUB tries first for a node-specific
 * allocation).
 */
static void smo_hog_fill(gfp_t gfp)
{
	int order;

	for (order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *page;

		while (smo_hog_nr + (1UL << order) <= smo_hog_max &&
		       (page = alloc_pages_node(smo_hog_node, gfp, order))) {
			set_page_private(page, order);
			list_add(&page->lru, &smo_hog_pages);
			smo_hog_nr += 1UL << order;
			cond_resched();
		}
	}
}

static int smo_hog(int node, unsigned long max, char *buf, size_t size)
{
	if (smo_hog_node != NUMA_NO_NODE)
		return -EBUSY;
	smo_hog_node = node;
	smo_hog_max = max;
	smo_hog_fill(SMO_HOG_GFP);
	smo_hog_refill = true;
	scnprintf(buf, size, "pages=%lu\n", smo_hog_nr);
	return 0;
}

/*
 * Take every page of the node, even below the watermarks: no allocation
 * without reserves gets a page there until "unhog", unless kswapd, woken
 * by the failures, finds memory of the node to reclaim (up to its high
 * watermark): the caller checks that the node stayed full.
 */
static int smo_hog_take_all(int node)
{
	if (smo_hog_node != NUMA_NO_NODE)
		return -EBUSY;
	smo_hog_node = node;
	smo_hog_max = ULONG_MAX;
	smo_hog_fill(SMO_HOG_GFP | __GFP_MEMALLOC);
	return 0;
}

static int smo_hog_all(int node, char *buf, size_t size)
{
	int err = smo_hog_take_all(node);

	if (!err)
		scnprintf(buf, size, "pages=%lu\n", smo_hog_nr);
	return err;
}

/*
 * Hog the whole node, then give back one block of 1 << @shift bytes whose
 * every page the hog got (so nothing else was in it).
 */
static int smo_hog_block(int node, unsigned int shift, char *buf, size_t size)
{
	unsigned long per = 1UL << (shift - PAGE_SHIFT), block, best = ULONG_MAX;
	struct page *page, *next;
	struct xarray counts;
	void *entry;
	int err;

	/* below the watermarks too: nothing else of the node may be left */
	err = smo_hog_take_all(node);
	if (err)
		return err;
	xa_init(&counts);
	list_for_each_entry(page, &smo_hog_pages, lru) {
		err = smo_count_add(&counts,
				    page_to_pfn(page) >> (shift - PAGE_SHIFT),
				    1UL << page_private(page));
		if (err)
			goto out;
	}
	xa_for_each(&counts, block, entry)
		if (xa_to_value(entry) == per)
			best = block;	/* the last (highest) entirely free block */
	if (best == ULONG_MAX) {
		err = -ENOSPC;
		goto out;
	}
	list_for_each_entry_safe(page, next, &smo_hog_pages, lru) {
		if (page_to_pfn(page) >> (shift - PAGE_SHIFT) != best)
			continue;
		list_del(&page->lru);
		smo_hog_nr -= 1UL << page_private(page);
		__free_pages(page, page_private(page));
	}
	scnprintf(buf, size, "pages=%lu block=%lu\n", smo_hog_nr, best);
out:
	xa_destroy(&counts);
	if (err)
		smo_unhog();
	return err;
}

/*
 * Objects per aligned block of 1 << @shift bytes; the 32 fullest blocks,
 * fullest first.
 */
static int smo_blocks(struct smo_cache *sc, unsigned int shift, char *buf,
		      size_t size)
{
	unsigned long key, block;
	struct xarray counts;
	struct smo_obj *obj;
	size_t len = 0;
	void *entry;
	int i, err = 0;

	xa_init(&counts);
	xa_for_each(&sc->live, key, obj) {
		void *addr = smo_live_addr(sc, key);

		if (!addr)
			continue;
		err = smo_count_add(&counts, __pa(addr) >> shift, 1);
		if (err)
			goto out;
		cond_resched();
	}
	for (i = 0; i < 32; i++) {
		unsigned long best = ULONG_MAX, most = 0;

		xa_for_each(&counts, block, entry) {
			if (xa_to_value(entry) > most) {
				most = xa_to_value(entry);
				best = block;
			}
		}
		if (best == ULONG_MAX)
			break;
		xa_erase(&counts, best);
		len += scnprintf(buf + len, size - len, "%sB%lu=%lu",
				 i ? " " : "", best, most);
	}
	scnprintf(buf + len, size - len, "\n");
out:
	xa_destroy(&counts);
	return err;
}

/*
 * What the pages of block @block (1 << @shift bytes) hold.  Nothing is
 * held: each answer may be stale when it is counted, which is good enough
 * to tell whether anything but free pages and slabs of @sc sits in a
 * block that a test is about to take offline.  Slabs of @sc are the ones
 * that hold a live object (an empty one counts as another cache's).
 */
static int smo_pages(struct smo_cache *sc, unsigned long block,
		     unsigned int shift, char *buf, size_t size)
{
	unsigned long per = 1UL << (shift - PAGE_SHIFT);
	unsigned long pfn = block * per, end = pfn + per;
	unsigned long free = 0, pcp = 0, ours = 0, slab = 0, lru = 0;
	unsigned long other = 0, offline = 0, key;
	struct xarray slabs;
	struct smo_obj *obj;
	void *entry;
	int err = 0;

	if (block > (ULONG_MAX >> shift) || end < pfn)
		return -EINVAL;
	/* the slab folios that hold live objects in the block */
	xa_init(&slabs);
	xa_for_each(&sc->live, key, obj) {
		void *addr = smo_live_addr(sc, key);
		struct folio *folio;

		if (!addr || __pa(addr) >> shift != block)
			continue;
		folio = virt_to_folio(addr);
		err = xa_err(xa_store(&slabs, folio_pfn(folio),
				      xa_mk_value(folio_nr_pages(folio)),
				      GFP_KERNEL));
		if (err)
			goto out;
		cond_resched();
	}
	xa_for_each(&slabs, key, entry)
		ours += xa_to_value(entry);

	while (pfn < end) {
		struct page *page = pfn_to_online_page(pfn);
		unsigned long nr = 1, order;
		struct folio *folio;

		if (!page) {
			offline++;
		} else if (PageBuddy(page)) {
			/* the order of a free block: racy, so bounded */
			order = READ_ONCE(page_private(page));
			nr = order <= MAX_PAGE_ORDER ? 1UL << order : 1;
			free += min(nr, end - pfn);
		} else {
			/* tail pages count as their folio (their refcount is 0) */
			folio = page_folio(page);
			if (folio_test_slab(folio))
				slab++;
			else if (!folio_ref_count(folio))
				pcp++;
			else if (folio_test_lru(folio))
				lru++;
			else
				other++;
		}
		pfn += nr;
		if (!(pfn % 1024))
			cond_resched();
	}
	/* slab pages that hold none of our objects */
	slab -= min(slab, ours);
	scnprintf(buf, size,
		  "free=%lu pcp=%lu ours=%lu slab=%lu lru=%lu other=%lu offline=%lu\n",
		  free, pcp, ours, slab, lru, other, offline);
out:
	xa_destroy(&slabs);
	return err;
}

/* kmem_cache_vacate() on each slab page that holds objects of @sc */
static int smo_vacate(struct smo_cache *sc, unsigned long max, char *buf,
		      size_t size)
{
	unsigned long key, nr = 0, i, freed = 0, *pfns, cap;
	struct folio *last = NULL;
	struct smo_obj *obj;

	/* stress threads may add objects meanwhile: one bound, read once */
	cap = min(max(READ_ONCE(sc->nr_objs), 1UL), max);
	pfns = kvmalloc_array(cap, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	xa_for_each(&sc->live, key, obj) {
		void *addr = smo_live_addr(sc, key);
		struct folio *folio = addr ? virt_to_folio(addr) : NULL;

		if (folio && folio != last && nr < cap) {
			pfns[nr++] = folio_pfn(folio);
			last = folio;
		}
	}
	/* the pages may be freed and reused meanwhile: vacate copes */
	for (i = 0; i < nr; i++) {
		if (kmem_cache_vacate(pfn_to_page(pfns[i])))
			freed++;
		cond_resched();
	}
	kvfree(pfns);
	scnprintf(buf, size, "slabs=%lu freed=%lu\n", nr, freed);
	return 0;
}

/* alloc_contig_range() of [@pfn, @pfn + @nr), given back at once */
static int smo_contig(unsigned long pfn, unsigned long nr, char *buf,
		      size_t size)
{
#ifdef CONFIG_CONTIG_ALLOC
	struct page *first, *last;
	int err;

	first = pfn_to_online_page(pfn);
	last = pfn_to_online_page(pfn + nr - 1);
	if (!first || !last || page_zone(first) != page_zone(last))
		return -EINVAL;
	err = alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE, GFP_KERNEL);
	if (err)
		return err;
	free_contig_range(pfn, nr);
	scnprintf(buf, size, "pages=%lu\n", nr);
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

/* @node must be online and, if @need_mem, have normal memory. */
static int smo_parse_node(const char *s, int *node, bool need_mem)
{
	unsigned long nid;

	if (kstrtoul(s, 0, &nid))
		return -EINVAL;
	if (nid >= MAX_NUMNODES || !node_online(nid) ||
	    (need_mem && !node_state(nid, N_NORMAL_MEMORY)))
		return -ENODEV;
	*node = nid;
	return 0;
}

static int smo_stress_fn(void *data)
{
	struct smo_stress_ids *ids = data;
	struct smo_cache *sc = ids->sc;
	unsigned int i, n;

	while (!kthread_should_stop()) {
		for (n = 0; n < ids->batch; n++) {
			if (smo_alloc_one(sc, NUMA_NO_NODE, &ids->id[n]))
				break;
			if (!((n + 1) % SMO_STRESS_BATCH))
				cond_resched();
		}
		for (i = 0; i < n; i++)
			if (!smo_verify(sc, ids->id[i]))
				atomic_long_inc(&smo_stress.errors);
		for (i = 0; i < n; i++) {
			smo_free_one(sc, ids->id[i]);
			if (!((i + 1) % SMO_STRESS_BATCH))
				cond_resched();
		}
		atomic_long_add(n, &smo_stress.ops);
		/*
		 * Leave the CPU to others now and then: a guest whose vCPUs
		 * outnumber the host's CPUs otherwise spends its time
		 * spinning on locks whose holder is not running.
		 */
		usleep_range(50, 100);
	}
	return 0;
}

static int smo_stress_stop(char *buf, size_t size)
{
	long errors;
	unsigned int i;

	if (!smo_stress.tasks)
		return -EINVAL;
	for (i = 0; i < smo_stress.nr; i++) {
		kthread_stop(smo_stress.tasks[i]);
		kvfree(smo_stress.ids[i]);
	}
	kfree(smo_stress.tasks);
	kfree(smo_stress.ids);
	smo_stress.tasks = NULL;
	smo_stress.ids = NULL;
	errors = atomic_long_read(&smo_stress.errors);
	scnprintf(buf, size, "ops=%ld errors=%ld\n",
		  atomic_long_read(&smo_stress.ops), errors);
	return errors ? -EIO : 0;
}

/* One stress thread on @cpu, @batch objects at a time */
static int smo_stress_thread(struct smo_cache *sc, unsigned int cpu,
			     unsigned int batch)
{
	struct smo_stress_ids *ids;
	struct task_struct *t;

	/* up to 32 KiB: no high-order page when hog has fragmented memory */
	ids = kvmalloc(struct_size(ids, id, batch), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	ids->sc = sc;
	ids->batch = batch;
	t = kthread_create_on_cpu(smo_stress_fn, ids, cpu, "smo_stress/%u");
	if (IS_ERR(t)) {
		kvfree(ids);
		return PTR_ERR(t);
	}
	/* freed by smo_stress_stop(), once the thread has stopped */
	smo_stress.ids[smo_stress.nr] = ids;
	smo_stress.tasks[smo_stress.nr++] = t;
	wake_up_process(t);
	return 0;
}

/*
 * One thread per online CPU, SMO_STRESS_BATCH objects at a time, or with
 * @cpu >= 0 one thread on @cpu, @batch at a time.  A CPU hotplug during
 * the run is not prevented: a thread of a CPU that goes offline runs on
 * another one.
 */
static int smo_stress_start(struct smo_cache *sc, int cpu, unsigned int batch)
{
	unsigned int c;
	int err = 0;

	if (smo_stress.tasks)
		return -EBUSY;
	smo_stress.tasks = kcalloc(nr_cpu_ids, sizeof(*smo_stress.tasks),
				   GFP_KERNEL);
	smo_stress.ids = kcalloc(nr_cpu_ids, sizeof(*smo_stress.ids),
				 GFP_KERNEL);
	if (!smo_stress.tasks || !smo_stress.ids) {
		kfree(smo_stress.tasks);
		kfree(smo_stress.ids);
		smo_stress.tasks = NULL;
		smo_stress.ids = NULL;
		return -ENOMEM;
	}
	smo_stress.nr = 0;
	atomic_long_set(&smo_stress.ops, 0);
	atomic_long_set(&smo_stress.errors, 0);
	cpus_read_lock();
	if (cpu >= 0) {
		err = cpu_online(cpu) ? smo_stress_thread(sc, cpu, batch) :
					-ENODEV;
	} else {
		for_each_online_cpu(c) {
			err = smo_stress_thread(sc, c, SMO_STRESS_BATCH);
			if (err)
				break;
		}
	}
	cpus_read_unlock();
	if (err) {
		char out[64];

		smo_stress_stop(out, sizeof(out));
	}
	return err;
}

/*
 * The XArray test.  smo_xa is static, so it outlives its nodes by far
 * (XA_FLAGS_MOVABLE, rule 2; the module's exit also waits a grace period).
 * The stable part, indices below smo_xa_limit, only changes by "xa fill"
 * and "xa sparse", never while readers run, so a reader knows exactly what
 * each walk must find.  The writer owns SMO_XA_VOLATILE indices above it
 * and remembers in smo_xa_present what it stored.
 */
#define SMO_XA_MAX_NODES	65536UL
#define SMO_XA_VOLATILE		(16 * XA_CHUNK_SIZE)

static DEFINE_XARRAY_FLAGS(smo_xa, XA_FLAGS_MOVABLE);
static unsigned long smo_xa_nodes;	/* leaf nodes filled */
static unsigned long smo_xa_keep = 1;	/* "xa sparse" k, 1 before */
static DECLARE_BITMAP(smo_xa_present, SMO_XA_VOLATILE);

static struct {
	struct task_struct **tasks;
	unsigned int nr;
	atomic_long_t walks, writes, errors;
} smo_xa_run;

static unsigned long smo_xa_limit(void)
{
	return smo_xa_nodes * XA_CHUNK_SIZE;
}

static void *smo_xa_value(unsigned long index)
{
	return xa_mk_value((index * 2654435761UL) & (LONG_MAX >> 1));
}

/* Whether stable index @index holds an entry */
static bool smo_xa_kept(unsigned long index)
{
	if (index >= smo_xa_limit())
		return false;
	if (smo_xa_keep == 1)
		return true;
	return !((index / XA_CHUNK_SIZE) % smo_xa_keep) && !(index & 1);
}

static bool smo_xa_marked(unsigned long index, xa_mark_t mark)
{
	return smo_xa_kept(index) && !(index % (mark == XA_MARK_0 ? 3 : 5));
}

static unsigned long smo_xa_expected(xa_mark_t mark)
{
	unsigned long i, n = 0;

	for (i = 0; i < smo_xa_limit(); i++)
		if (mark == XA_PRESENT ? smo_xa_kept(i) : smo_xa_marked(i, mark))
			n++;
	return n;
}

/* xas_for_each() for XA_PRESENT, else xas_for_each_marked() */
static void *smo_xa_next(struct xa_state *xas, unsigned long max,
			 xa_mark_t mark, bool first)
{
	if (mark == XA_PRESENT)
		return first ? xas_find(xas, max) : xas_next_entry(xas, max);
	return first ? xas_find_marked(xas, max, mark) :
		       xas_next_marked(xas, max, mark);
}

/* One lockless walk of the stable part; false if it saw something wrong */
static bool smo_xa_walk(xa_mark_t mark, unsigned long expected)
{
	unsigned long seen = 0, max = smo_xa_limit() - 1;
	XA_STATE(xas, &smo_xa, 0);
	bool ok = true;
	void *entry;

	if (!smo_xa_limit())
		return true;
	rcu_read_lock();
	for (entry = smo_xa_next(&xas, max, mark, true); entry;
	     entry = smo_xa_next(&xas, max, mark, false)) {
		if (xas_retry(&xas, entry))
			continue;
		if (entry != smo_xa_value(xas.xa_index) ||
		    (mark == XA_PRESENT ? !smo_xa_kept(xas.xa_index) :
		     !smo_xa_marked(xas.xa_index, mark)))
			ok = false;
		if (!(++seen % 256)) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return ok && seen == expected;
}

/* Where the multi-index entries start (or would, without XARRAY_MULTI) */
#define SMO_XA_MULTI	BIT(28)

#ifdef CONFIG_XARRAY_MULTI
/*
 * Multi-index entries: "xa fill <n>" also stores n entries of order
 * SMO_XA_ORDER from SMO_XA_MULTI on (four to a leaf node), each with mark
 * 0, which nothing changes while readers run.  What a lockless reader
 * learns about them from a node that moves meanwhile must be right: the
 * order (xa_get_order() reads the sibling slots), the entry and its mark
 * from any of its indices, and a walk that pauses after each entry
 * (xas_pause() skips the siblings) visits each one once.
 */
#define SMO_XA_ORDER	4
/* µs a reader spends in a node between two reads (under rcu_read_lock()) */
#define SMO_XA_WINDOW	10

static unsigned long smo_xa_groups;

static unsigned long smo_xa_first(unsigned long group)
{
	return SMO_XA_MULTI + (group << SMO_XA_ORDER);
}

static int smo_xa_fill_multi(unsigned long groups)
{
	unsigned long g, first;
	int err;

	for (g = 0; g < groups; g++) {
		first = smo_xa_first(g);
		err = xa_err(xa_store_range(&smo_xa, first,
					    first + (1UL << SMO_XA_ORDER) - 1,
					    smo_xa_value(first), GFP_KERNEL));
		if (err)
			return err;
		xa_set_mark(&smo_xa, first, XA_MARK_0);
		if (!(g % 256))
			cond_resched();
	}
	smo_xa_groups = groups;
	return 0;
}

/* One lockless look at every multi-index entry; false if one was wrong */
static bool smo_xa_multi_walk(void)
{
	unsigned long g, seen = 0, n = smo_xa_groups;
	XA_STATE(xas, &smo_xa, SMO_XA_MULTI);
	bool ok = true;
	void *entry;

	if (!n)
		return true;
	for (g = 0; g < n; g++) {
		unsigned long first = smo_xa_first(g);
		/* a different index of each entry: siblings and the first */
		unsigned long i = first + (g & ((1UL << SMO_XA_ORDER) - 1));
		XA_STATE(load, &smo_xa, i);
		int order;

		if (xa_get_order(&smo_xa, i) != SMO_XA_ORDER ||
		    xa_load(&smo_xa, i) != smo_xa_value(first) ||
		    !xa_get_mark(&smo_xa, i, XA_MARK_0))
			ok = false;
		/*
		 * As shmem and the page cache do: a lockless load, some work,
		 * then xas_get_order() on the node the load found, which a
		 * move may have replaced meanwhile (the delay makes that
		 * likely enough to be seen in a short run).
		 */
		rcu_read_lock();
		do {
			entry = xas_load(&load);
		} while (xas_retry(&load, entry));
		udelay(SMO_XA_WINDOW);
		order = xas_get_order(&load);
		rcu_read_unlock();
		if (entry != smo_xa_value(first) || order != SMO_XA_ORDER)
			ok = false;
		if (!(g % 64))
			cond_resched();
	}
	rcu_read_lock();
	xas_for_each(&xas, entry, smo_xa_first(n) - 1) {
		if (xas_retry(&xas, entry))
			continue;
		if (entry != smo_xa_value(xas.xa_index))
			ok = false;
		seen++;
		udelay(SMO_XA_WINDOW);
		xas_pause(&xas);
		if (!(seen % 64)) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return ok && seen == n;
}

/* Every multi-index entry with its order, and once (counted under the lock) */
static unsigned long smo_xa_multi_bad(void)
{
	unsigned long g, seen = 0, bad = 0;
	XA_STATE(xas, &smo_xa, SMO_XA_MULTI);
	void *entry;

	if (!smo_xa_groups)
		return 0;
	for (g = 0; g < smo_xa_groups; g++)
		if (xa_get_order(&smo_xa, smo_xa_first(g) + 1) != SMO_XA_ORDER ||
		    xa_load(&smo_xa, smo_xa_first(g) + 1) !=
		    smo_xa_value(smo_xa_first(g)))
			bad++;
	xas_lock(&xas);
	xas_for_each(&xas, entry, ULONG_MAX)
		seen++;
	xas_unlock(&xas);
	return bad + (seen != smo_xa_groups);
}
#else
static int smo_xa_fill_multi(unsigned long groups) { return 0; }
static bool smo_xa_multi_walk(void) { return true; }
static unsigned long smo_xa_multi_bad(void) { return 0; }
#endif

static int smo_xa_reader(void *data)
{
	unsigned long all = smo_xa_expected(XA_PRESENT);
	unsigned long m0 = smo_xa_expected(XA_MARK_0);
	unsigned long m1 = smo_xa_expected(XA_MARK_1);

	while (!kthread_should_stop()) {
		if (!smo_xa_walk(XA_PRESENT, all) ||
		    !smo_xa_walk(XA_MARK_0, m0) || !smo_xa_walk(XA_MARK_1, m1) ||
		    !smo_xa_multi_walk())
			atomic_long_inc(&smo_xa_run.errors);
		atomic_long_inc(&smo_xa_run.walks);
		cond_resched();
	}
	return 0;
}

static int smo_xa_writer(void *data)
{
	unsigned long base = smo_xa_limit() + 64 * XA_CHUNK_SIZE;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 42);
	while (!kthread_should_stop()) {
		unsigned long i = prandom_u32_state(&rnd) % SMO_XA_VOLATILE;
		bool present = test_bit(i, smo_xa_present);

		if (present) {
			xa_erase(&smo_xa, base + i);
			__clear_bit(i, smo_xa_present);
		} else if (!xa_err(xa_store(&smo_xa, base + i,
					    smo_xa_value(base + i),
					    GFP_KERNEL))) {
			__set_bit(i, smo_xa_present);
		}
		if (xa_load(&smo_xa, base + i) !=
		    (test_bit(i, smo_xa_present) ? smo_xa_value(base + i) : NULL))
			atomic_long_inc(&smo_xa_run.errors);
		atomic_long_inc(&smo_xa_run.writes);
		cond_resched();
	}
	return 0;
}

static int smo_xa_stop(char *buf, size_t size)
{
	long errors;
	unsigned int i;

	if (!smo_xa_run.tasks)
		return -EINVAL;
	for (i = 0; i < smo_xa_run.nr; i++)
		kthread_stop(smo_xa_run.tasks[i]);
	kfree(smo_xa_run.tasks);
	smo_xa_run.tasks = NULL;
	errors = atomic_long_read(&smo_xa_run.errors);
	scnprintf(buf, size, "walks=%ld writes=%ld errors=%ld\n",
		  atomic_long_read(&smo_xa_run.walks),
		  atomic_long_read(&smo_xa_run.writes), errors);
	return errors ? -EIO : 0;
}

static int smo_xa_start(unsigned long readers)
{
	struct task_struct *t;
	unsigned int i;

	smo_xa_run.tasks = kcalloc(readers + 1, sizeof(*smo_xa_run.tasks),
				   GFP_KERNEL);
	if (!smo_xa_run.tasks)
		return -ENOMEM;
	smo_xa_run.nr = 0;
	atomic_long_set(&smo_xa_run.walks, 0);
	atomic_long_set(&smo_xa_run.writes, 0);
	atomic_long_set(&smo_xa_run.errors, 0);
	for (i = 0; i <= readers; i++) {
		t = kthread_run(i ? smo_xa_reader : smo_xa_writer, NULL,
				"smo_xa/%u", i);
		if (IS_ERR(t)) {
			char out[64];

			smo_xa_stop(out, sizeof(out));
			return PTR_ERR(t);
		}
		smo_xa_run.tasks[smo_xa_run.nr++] = t;
	}
	return 0;
}

/* The leaf nodes' addresses at "xa snapshot", sorted; under smo_lock */
static unsigned long *smo_xa_snap;
static unsigned long smo_xa_snap_nr;

/*
 * Call @fn for each leaf node of the stable part and of the multi-index
 * entries (the writer's nodes come and go), under the array's lock;
 * returns the entries of the stable part.
 */
static unsigned long smo_xa_leaves(void (*fn)(struct xa_node *, void *),
				   void *arg)
{
	struct xa_node *last = NULL;
	unsigned long entries = 0;
	XA_STATE(xas, &smo_xa, 0);
	void *entry;

	xas_lock(&xas);
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (xas.xa_index >= smo_xa_limit() &&
		    xas.xa_index < SMO_XA_MULTI) {
			xas_set(&xas, SMO_XA_MULTI);
			continue;
		}
		if (xas.xa_index < smo_xa_limit())
			entries++;
		if (xas.xa_node && xas.xa_node != last) {
			last = xas.xa_node;
			fn(last, arg);
		}
	}
	xas_unlock(&xas);
	return entries;
}

struct smo_xa_snap_fill {
	unsigned long nr, max;
};

static void smo_xa_count_leaf(struct xa_node *node, void *arg)
{
	((struct smo_xa_snap_fill *)arg)->nr++;
}

static void smo_xa_snap_leaf(struct xa_node *node, void *arg)
{
	struct smo_xa_snap_fill *f = arg;

	if (f->nr < f->max)
		smo_xa_snap[f->nr++] = (unsigned long)node;
}

static int smo_xa_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void smo_xa_snap_drop(void)
{
	kvfree(smo_xa_snap);
	smo_xa_snap = NULL;
	smo_xa_snap_nr = 0;
}

static int smo_xa_snapshot(void)
{
	struct smo_xa_snap_fill f = { 0, 0 };

	smo_xa_snap_drop();
	smo_xa_leaves(smo_xa_count_leaf, &f);
	if (!f.nr)
		return -EINVAL;
	smo_xa_snap = kvmalloc_array(f.nr, sizeof(*smo_xa_snap), GFP_KERNEL);
	if (!smo_xa_snap)
		return -ENOMEM;
	f.max = f.nr;
	f.nr = 0;
	smo_xa_leaves(smo_xa_snap_leaf, &f);
	sort(smo_xa_snap, f.nr, sizeof(*smo_xa_snap), smo_xa_cmp, NULL);
	smo_xa_snap_nr = f.nr;
	return 0;
}

/* Erase every entry; the writer's range too */
static void smo_xa_free(void)
{
	smo_xa_snap_drop();
	xa_destroy(&smo_xa);
	bitmap_zero(smo_xa_present, SMO_XA_VOLATILE);
	smo_xa_nodes = 0;
	smo_xa_keep = 1;
#ifdef CONFIG_XARRAY_MULTI
	smo_xa_groups = 0;
#endif
}

static int smo_xa_fill(unsigned long nodes)
{
	unsigned long i;
	int err;

	smo_xa_free();
	for (i = 0; i < nodes * XA_CHUNK_SIZE; i++) {
		err = xa_err(xa_store(&smo_xa, i, smo_xa_value(i), GFP_KERNEL));
		if (err) {
			smo_xa_free();
			return err;
		}
		if (!(i % 3))
			xa_set_mark(&smo_xa, i, XA_MARK_0);
		if (!(i % 5))
			xa_set_mark(&smo_xa, i, XA_MARK_1);
		if (!(i % 4096))
			cond_resched();
	}
	smo_xa_nodes = nodes;
	err = smo_xa_fill_multi(nodes);
	if (err)
		smo_xa_free();
	return err;
}

static void smo_xa_sparse(unsigned long k)
{
	unsigned long i, limit = smo_xa_limit();

	/* nodes it frees could come back at remembered addresses */
	smo_xa_snap_drop();
	smo_xa_keep = k;
	for (i = 0; i < limit; i++) {
		if (!smo_xa_kept(i))
			xa_erase(&smo_xa, i);
		if (!(i % 4096))
			cond_resched();
	}
}

/* Every index and mark, and the leaf nodes per NUMA node */
struct smo_xa_census {
	unsigned long nodes, kept;
	unsigned long *per_node;
};

static void smo_xa_census_leaf(struct xa_node *node, void *arg)
{
	struct smo_xa_census *c = arg;
	unsigned long key = (unsigned long)node;

	c->nodes++;
	c->per_node[page_to_nid(virt_to_page(node))]++;
	if (smo_xa_snap && bsearch(&key, smo_xa_snap, smo_xa_snap_nr,
				   sizeof(key), smo_xa_cmp))
		c->kept++;
}

static int smo_xa_check(char *buf, size_t size)
{
	unsigned long i, base = smo_xa_limit() + 64 * XA_CHUNK_SIZE;
	struct smo_xa_census c = { 0, 0, NULL };
	unsigned long entries, bad = 0;
	void *entry;
	size_t len;
	int nid;

	c.per_node = kcalloc(nr_node_ids, sizeof(*c.per_node), GFP_KERNEL);
	if (!c.per_node)
		return -ENOMEM;
	for (i = 0; i < smo_xa_limit(); i++) {
		entry = xa_load(&smo_xa, i);
		if (entry != (smo_xa_kept(i) ? smo_xa_value(i) : NULL) ||
		    xa_get_mark(&smo_xa, i, XA_MARK_0) !=
		    smo_xa_marked(i, XA_MARK_0) ||
		    xa_get_mark(&smo_xa, i, XA_MARK_1) !=
		    smo_xa_marked(i, XA_MARK_1))
			bad++;
		if (!(i % 4096))
			cond_resched();
	}
	for (i = 0; i < SMO_XA_VOLATILE; i++)
		if (xa_load(&smo_xa, base + i) != (test_bit(i, smo_xa_present) ?
						   smo_xa_value(base + i) : NULL))
			bad++;

	entries = smo_xa_leaves(smo_xa_census_leaf, &c);
	if (entries != smo_xa_expected(XA_PRESENT))
		bad++;
	bad += smo_xa_multi_bad();

	len = scnprintf(buf, size, "entries=%lu nodes=%lu", entries, c.nodes);
#ifdef CONFIG_XARRAY_MULTI
	len += scnprintf(buf + len, size - len, " multi=%lu", smo_xa_groups);
#endif
	for_each_online_node(nid)
		len += scnprintf(buf + len, size - len, " N%d=%lu", nid,
				 c.per_node[nid]);
	if (smo_xa_snap)
		len += scnprintf(buf + len, size - len, " kept=%lu", c.kept);
	if (bad)
		len += scnprintf(buf + len, size - len, " bad=%lu", bad);
	scnprintf(buf + len, size - len, "\n");
	kfree(c.per_node);
	return bad ? -EIO : 0;
}

static int smo_xa_cmd(int argc, char **argv, char *buf, size_t size)
{
	unsigned long n;

	if (argc == 2 && !strcmp(argv[1], "stop"))
		return smo_xa_stop(buf, size);
	if (smo_xa_run.tasks)
		return -EBUSY;
	if (!strcmp(argv[1], "start") && argc <= 3) {
		n = num_online_cpus();
		if (argc == 3 && (smo_parse_ulong(argv[2], 64, &n) || !n))
			return -EINVAL;
		return smo_xa_start(n);
	}
	if (argc == 3 && !strcmp(argv[1], "fill")) {
		if (smo_parse_ulong(argv[2], SMO_XA_MAX_NODES, &n) || !n)
			return -EINVAL;
		return smo_xa_fill(n);
	}
	if (argc == 3 && !strcmp(argv[1], "sparse")) {
		if (smo_parse_ulong(argv[2], SMO_XA_MAX_NODES, &n) || n < 2 ||
		    smo_xa_keep != 1 || !smo_xa_nodes)
			return -EINVAL;
		smo_xa_sparse(n);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "check"))
		return smo_xa_check(buf, size);
	if (argc == 2 && !strcmp(argv[1], "snapshot"))
		return smo_xa_snapshot();
	if (argc == 2 && !strcmp(argv[1], "free")) {
		smo_xa_free();
		return 0;
	}
	return -EINVAL;
}

/*
 * movecheck: kmem_cache_alloc_move() copies of the first live objects,
 * each compared with its original and freed at once.  sc->lock keeps the
 * objects live (the callbacks replace them under it); the copies are
 * never published, so the callbacks never see them.
 */
#define SMO_MOVECHECK_MAX	1024

static int smo_movecheck(struct smo_cache *sc, bool pfmemalloc, char *buf,
			 size_t size)
{
	unsigned long id, n = 0, charged = 0, same = 0, other = 0, none = 0;
	unsigned int noreclaim = 0, over_high = 0;
	struct mem_cgroup *was, *now;
	struct smo_obj *obj;
	void *new;

	if (pfmemalloc)
		noreclaim = memalloc_noreclaim_save();
#ifdef CONFIG_MEMCG
	over_high = current->memcg_nr_pages_over_high;
#endif
	spin_lock(&sc->lock);
	xa_for_each(&sc->objs, id, obj) {
		if (n++ == SMO_MOVECHECK_MAX)
			break;
		new = kmem_cache_alloc_move(sc->cache, obj, 0, NUMA_NO_NODE);
		rcu_read_lock();
		was = mem_cgroup_from_slab_obj(obj);
		now = new ? mem_cgroup_from_slab_obj(new) : NULL;
		rcu_read_unlock();
		charged += !!was;
		if (!new)
			none++;
		else if (now == was)
			same++;
		else
			other++;
		if (new)
			kmem_cache_free(sc->cache, new);
	}
	spin_unlock(&sc->lock);
	if (pfmemalloc)
		memalloc_noreclaim_restore(noreclaim);
	scnprintf(buf, size, "charged=%lu same=%lu other=%lu none=%lu\n",
		  charged, same, other, none);
#ifdef CONFIG_MEMCG
	/* the charge's memory.high overage is not the caller's */
	if (current->memcg_nr_pages_over_high != over_high)
		return -EIO;
#endif
	return 0;
}

/* mapping <path>: which cache the nodes of a file's page cache come from */
static int smo_mapping(const char *name, char *buf, size_t size)
{
	struct address_space *mapping;
	struct path path;
	int err;

	err = kern_path(name, LOOKUP_FOLLOW, &path);
	if (err)
		return err;
	mapping = d_inode(path.dentry)->i_mapping;
	scnprintf(buf, size, "movable=%d pages=%lu\n",
		  !!(READ_ONCE(mapping->i_pages.xa_flags) & XA_FLAGS_MOVABLE),
		  READ_ONCE(mapping->nrpages));
	path_put(&path);
	return 0;
}

static int smo_selftest(char *buf, size_t size);

#define SMO_MAX_ARGS 6

/* Parse and run one command; called with smo_lock held. */
static int smo_run(char *cmd, char *buf, size_t size)
{
	char *argv[SMO_MAX_ARGS + 1];
	unsigned long a = 0, b = 0;
	struct smo_cache *sc;
	int argc = 0, node = NUMA_NO_NODE, err;
	char *tok;

	while ((tok = strsep(&cmd, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (argc == SMO_MAX_ARGS)
			return -EINVAL;
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (!argc)
		return -EINVAL;

	if (!strcmp(argv[0], "selftest"))
		return argc == 1 ? smo_selftest(buf, size) : -EINVAL;

	if (!strcmp(argv[0], "xa"))
		return argc >= 2 ? smo_xa_cmd(argc, argv, buf, size) : -EINVAL;

	if (!strcmp(argv[0], "mapping"))
		return argc == 2 ? smo_mapping(argv[1], buf, size) : -EINVAL;

	if (!strcmp(argv[0], "stress")) {
		if (argc == 2 && !strcmp(argv[1], "stop"))
			return smo_stress_stop(buf, size);
		if ((argc != 3 && argc != 5) || strcmp(argv[1], "start"))
			return -EINVAL;
		sc = smo_find_cache(argv[2]);
		if (!sc)
			return -EINVAL;
		if (argc == 3)
			return smo_stress_start(sc, -1, 0);
		if (smo_parse_ulong(argv[3], nr_cpu_ids - 1, &a) ||
		    smo_parse_ulong(argv[4], SMO_STRESS_MAX_BATCH, &b) || !b)
			return -EINVAL;
		return smo_stress_start(sc, a, b);
	}

	if (!strcmp(argv[0], "unhog")) {
		if (argc != 1)
			return -EINVAL;
		smo_unhog();
		return 0;
	}

	if (!strcmp(argv[0], "hog")) {
		bool all = argc == 3 && !strcmp(argv[2], "all");

		a = ULONG_MAX;
		if (argc == 4 && !strcmp(argv[2], "block")) {
			if (smo_parse_ulong(argv[3], 1UL << 30, &b) ||
			    !is_power_of_2(b) || b < PAGE_SIZE)
				return -EINVAL;
		} else if (!all && (argc < 2 || argc > 3 ||
			   (argc == 3 && smo_parse_ulong(argv[2], ULONG_MAX, &a)))) {
			return -EINVAL;
		}
		err = smo_parse_node(argv[1], &node, true);
		if (err)
			return err;
		if (argc == 4)
			return smo_hog_block(node, ilog2(b), buf, size);
		if (all)
			return smo_hog_all(node, buf, size);
		return smo_hog(node, a, buf, size);
	}

	if (!strcmp(argv[0], "contig")) {
		if (argc != 3 || smo_parse_ulong(argv[1], ULONG_MAX / 2, &a) ||
		    smo_parse_ulong(argv[2], 1UL << 18, &b) || !b)
			return -EINVAL;
		return smo_contig(a, b, buf, size);
	}

	if (!strcmp(argv[0], "defrag")) {
		long freed;

		if (argc > 2)
			return -EINVAL;
		if (argc == 2) {
			err = smo_parse_node(argv[1], &node, true);
			if (err)
				return err;
		}
		freed = kmem_defrag_slabs(node);
		if (freed < 0)
			return freed;
		scnprintf(buf, size, "freed=%ld\n", freed);
		return 0;
	}

	if (argc < 2)
		return -EINVAL;
	sc = smo_find_cache(argv[1]);
	if (!sc)
		return -EINVAL;

	if (smo_stress.tasks && (!strcmp(argv[0], "alloc") ||
				 !strcmp(argv[0], "free") ||
				 !strcmp(argv[0], "check")))
		return -EBUSY;

	if (!strcmp(argv[0], "check"))
		return argc == 2 ? smo_check(sc, buf, size) : -EINVAL;
	if (!strcmp(argv[0], "slabs"))
		return argc == 2 ? smo_slabs(sc, buf, size) : -EINVAL;
	if (!strcmp(argv[0], "vacate")) {
		a = ULONG_MAX;
		if (argc > 3 ||
		    (argc == 3 && smo_parse_ulong(argv[2], ULONG_MAX, &a)))
			return -EINVAL;
		return smo_vacate(sc, a, buf, size);
	}
	if (!strcmp(argv[0], "blocks")) {
		if (argc != 3 || smo_parse_ulong(argv[2], 1UL << 30, &a) ||
		    !is_power_of_2(a) || a < PAGE_SIZE)
			return -EINVAL;
		return smo_blocks(sc, ilog2(a), buf, size);
	}

	if (!strcmp(argv[0], "pages")) {
		if (argc != 4 || smo_parse_ulong(argv[2], ULONG_MAX, &b) ||
		    smo_parse_ulong(argv[3], 1UL << 30, &a) ||
		    !is_power_of_2(a) || a < PAGE_SIZE)
			return -EINVAL;
		return smo_pages(sc, b, ilog2(a), buf, size);
	}

	if (!strcmp(argv[0], "enable"))
		return smo_enable(sc, argc, argv);
	if (!strcmp(argv[0], "disable") && argc == 2)
		return kmem_cache_setup_mobility(sc->cache, NULL, NULL);
	if (!strcmp(argv[0], "moves")) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "reset")))
			return -EINVAL;
		return smo_moves(sc, argc == 3, buf, size);
	}
	if (!strcmp(argv[0], "owner")) {
		if (argc != 4 || smo_parse_ulong(argv[3], 100000, &a) ||
		    (strcmp(argv[2], "shrink") && strcmp(argv[2], "create")))
			return -EINVAL;
		return smo_owner(sc, !strcmp(argv[2], "create"), a, buf, size);
	}
	if (!strcmp(argv[0], "leak") && argc == 2) {
		sc->leak = true;
		scnprintf(buf, size, "objects=%lu\n", sc->nr_objs);
		return 0;
	}

	if (!strcmp(argv[0], "movecheck")) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "pfmemalloc")))
			return -EINVAL;
		return smo_movecheck(sc, argc == 3, buf, size);
	}
	if (!strcmp(argv[0], "stats") && argc == 2) {
		spin_lock(&sc->lock);
		scnprintf(buf, size,
			  "moved=%lu failed=%lu deferred=%lu declined=%lu\n",
			  sc->moved, sc->failed, sc->deferred, sc->declined);
		spin_unlock(&sc->lock);
		return 0;
	}

	if (!strcmp(argv[0], "alloc")) {
		if (argc < 3 || argc > 4 ||
		    smo_parse_ulong(argv[2], SMO_MAX_ALLOC, &a))
			return -EINVAL;
		if (argc == 4) {
			err = smo_parse_node(argv[3], &node, false);
			if (err)
				return err;
		}
		err = smo_alloc(sc, a, node);
		scnprintf(buf, size, "objects=%lu\n", sc->nr_objs);
		return err;
	}

	if (!strcmp(argv[0], "free") && argc >= 3) {
		enum smo_pattern pattern;

		if (!strcmp(argv[2], "all") && argc == 3) {
			pattern = SMO_ALL;
		} else if (!strcmp(argv[2], "count") && argc >= 4 && argc <= 5) {
			pattern = SMO_COUNT;
			if (smo_parse_ulong(argv[3], ULONG_MAX, &a) ||
			    (argc == 5 && smo_parse_ulong(argv[4], ULONG_MAX, &b)))
				return -EINVAL;
		} else if (!strcmp(argv[2], "every") && argc >= 4 && argc <= 5) {
			pattern = SMO_EVERY;
			if (smo_parse_ulong(argv[3], ULONG_MAX, &a) || !a ||
			    (argc == 5 && smo_parse_ulong(argv[4], ULONG_MAX, &b)))
				return -EINVAL;
		} else if (!strcmp(argv[2], "random") && argc == 5) {
			pattern = SMO_RANDOM;
			if (smo_parse_ulong(argv[3], ULONG_MAX, &a) ||
			    smo_parse_ulong(argv[4], 100, &b))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		a = smo_free(sc, pattern, a, b);
		scnprintf(buf, size, "freed=%lu objects=%lu\n", a, sc->nr_objs);
		return 0;
	}
	return -EINVAL;
}

static void smo_dummy_ctor(void *p)
{
}

/* Caches SLUB must refuse to make movable, and one it must accept. */
static int smo_selftest_mobility(char *buf, size_t size)
{
	struct kmem_cache_args args = {
		.ctor = smo_dummy_ctor,
		.isolate = smo_isolate,
		.migrate = smo_migrate,
	};
	struct kmem_cache *c;
	int err;

	c = kmem_cache_create("smo_selftest_noctor", 32, NULL, SLAB_NO_MERGE);
	if (!c)
		return -ENOMEM;
	err = kmem_cache_setup_mobility(c, smo_isolate, smo_migrate);
	if (err != -EINVAL)
		goto fail;
	err = kmem_cache_setup_mobility(c, NULL, NULL);
	kmem_cache_destroy(c);
	if (err)
		goto fail;

	/* created movable through kmem_cache_args */
	c = kmem_cache_create("smo_selftest_args", 32, &args, SLAB_NO_MERGE);
	if (!c) {
		err = -ENOMEM;
		goto fail;
	}
	err = kmem_cache_setup_mobility(c, smo_isolate, NULL);
	kmem_cache_destroy(c);
	if (err != -EINVAL)
		goto fail;
	return 0;
fail:
	scnprintf(buf, size, "FAIL: mobility refusals (%d)\n", err);
	return -EIO;
}

/* Self-test: parse errors change nothing, and alloc/free/check agree. */
static int smo_selftest(char *buf, size_t size)
{
	static const char * const bad[] = {
		"", "alloc", "alloc smo_test_64", "alloc nosuch 1",
		"alloc smo_test_64 -1", "alloc smo_test_64 1x",
		"alloc smo_test_64 99999999999", "alloc smo_test_64 1 1024",
		"free smo_test_64", "free smo_test_64 every 0",
		"free smo_test_64 random 1 101", "free smo_test_64 all 1",
		"check smo_test_64 1", "frob smo_test_64", "enable",
		"enable nosuch", "enable smo_test_64 1", "stats smo_test_64 x",
		"defrag 1 2", "defrag x", "defrag 1024", "defrag -1",
		"stress", "stress stop", "stress start", "stress start nosuch",
		"stress start smo_test_64 0", "stress start smo_test_64 0 0",
		"stress start smo_test_64 0 4097",
		"stress start smo_test_64 100000 1",
		"stress start smo_test_64 x 1", "stress start smo_test_64 0 1 2",
		"stress go smo_test_64", "slabs", "slabs nosuch",
		"slabs smo_test_64 1", "hog", "hog x", "hog 1024", "hog 0 x",
		"hog 0 1 2", "hog 0 block 3000", "hog 0 al", "hog 0 all 1",
		"hog 0 block x", "hog 0 blocks 4096",
		"unhog 1", "vacate", "vacate nosuch", "vacate smo_test_64 x",
		"blocks smo_test_64", "blocks smo_test_64 3000",
		"blocks smo_test_64 1024", "blocks smo_test_64 4096 1",
		"pages smo_test_64", "pages smo_test_64 1",
		"pages smo_test_64 x 4096", "pages smo_test_64 1 3000",
		"pages smo_test_64 1 4096 1",
		"pages smo_test_64 18446744073709551615 1073741824",
		"contig", "contig 1", "contig 1 0", "contig x 1",
		"contig 1 999999999", "enable smo_test_64 fast",
		"enable smo_test_64 slow", "enable smo_test_64 slow 0",
		"enable smo_test_64 slow 10001", "enable smo_test_64 nomem 1",
		"moves", "moves smo_test_64 zero", "moves smo_test_64 reset 1",
		"owner smo_test_64", "owner smo_test_64 shrink",
		"owner smo_test_64 grow 1", "owner smo_test_64 shrink x",
		"owner smo_test_64 create 100001", "leak", "leak smo_test_64 1",
	};
	struct smo_cache *sc = &smo_caches[0];
	unsigned long before = sc->nr_objs, freed;
	char cmd[64], out[128];
	int i, err;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		strscpy(cmd, bad[i], sizeof(cmd));
		err = smo_run(cmd, out, sizeof(out));
		if (err != -EINVAL && err != -ENODEV) {
			scnprintf(buf, size, "FAIL: '%s' returned %d\n",
				  bad[i], err);
			return -EIO;
		}
		if (sc->nr_objs != before) {
			scnprintf(buf, size, "FAIL: '%s' changed objects\n",
				  bad[i]);
			return -EIO;
		}
	}
	err = smo_alloc(sc, 100, NUMA_NO_NODE);
	if (err)
		return err;
	freed = smo_free(sc, SMO_EVERY, 2, 0);
	if (freed != (before + 101) / 2 ||
	    sc->nr_objs != before + 100 - freed) {
		scnprintf(buf, size, "FAIL: every 2 freed %lu\n", freed);
		return -EIO;
	}
	err = smo_check(sc, out, sizeof(out));
	if (err) {
		scnprintf(buf, size, "FAIL: check after free: %d\n", err);
		return err;
	}
	err = smo_selftest_mobility(buf, size);
	if (err)
		return err;
	scnprintf(buf, size, "selftest ok\n");
	return 0;
}

static ssize_t smo_control_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char cmd[SMO_CMD_MAX];
	int err;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	if (strlen(cmd) != count)	/* embedded NUL */
		return -EINVAL;

	mutex_lock(&smo_lock);
	smo_result[0] = '\0';
	err = smo_run(cmd, smo_result, sizeof(smo_result));
	mutex_unlock(&smo_lock);
	return err ? err : count;
}

static ssize_t smo_control_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&smo_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, smo_result,
				      strlen(smo_result));
	mutex_unlock(&smo_lock);
	return ret;
}

static const struct file_operations smo_control_fops = {
	.owner = THIS_MODULE,
	.write = smo_control_write,
	.read = smo_control_read,
	.llseek = default_llseek,
};

static void smo_destroy_caches(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(smo_caches); i++) {
		struct smo_cache *sc = &smo_caches[i];

		if (!sc->cache)
			continue;
		if (sc->leak) {
			/*
			 * "leak": as a buggy owner would, forget the objects
			 * and leave mobility on; kmem_cache_destroy() must end
			 * mobility whatever it then finds.
			 */
			unsigned long id;
			void *obj;

			pr_info("%s: leaking %lu objects\n", sc->name,
				sc->nr_objs);
			/* on purpose: kmemleak need not report them */
			xa_for_each(&sc->objs, id, obj)
				kmemleak_not_leak(obj);
			goto destroy;
		}
		/* waits for a pass that runs the callbacks to finish */
		kmem_cache_setup_mobility(sc->cache, NULL, NULL);
		smo_free(sc, SMO_ALL, 0, 0);
destroy:
		xa_destroy(&sc->objs);
		xa_destroy(&sc->live);
		kmem_cache_destroy(sc->cache);
		sc->cache = NULL;
	}
}

static int __init test_slub_movable_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(smo_caches); i++) {
		struct smo_cache *sc = &smo_caches[i];

		xa_init(&sc->objs);
		xa_init(&sc->live);
		spin_lock_init(&sc->lock);
		mutex_init(&sc->owner);
		sc->shift = ilog2(sc->size);
		/* KFENCE objects would sit outside the counted slabs */
		sc->cache = kmem_cache_create(sc->name, sc->size, 0,
					      SLAB_NO_MERGE | SLAB_SKIP_KFENCE |
					      sc->flags, smo_ctor);
		if (!sc->cache) {
			smo_destroy_caches();
			return -ENOMEM;
		}
	}
	smo_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("control", 0600, smo_dir, NULL,
			    &smo_control_fops);
	return 0;
}

static void __exit test_slub_movable_exit(void)
{
	char out[64];

	debugfs_remove_recursive(smo_dir);
	mutex_lock(&smo_lock);
	if (smo_stress.tasks)
		smo_stress_stop(out, sizeof(out));
	if (smo_xa_run.tasks)
		smo_xa_stop(out, sizeof(out));
	smo_xa_free();
	smo_unhog();
	mutex_unlock(&smo_lock);
	smo_destroy_caches();
	/* smo_xa's memory goes with the module: a grace period after its nodes */
	synchronize_rcu();
}

module_init(test_slub_movable_init);
module_exit(test_slub_movable_exit);
MODULE_DESCRIPTION("Test module for SLUB movable objects");
MODULE_LICENSE("GPL");
MODULE_INFO(test, "Y");
