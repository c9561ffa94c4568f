// Preloaded (`node --import`) into a worker whose clock must be off: from before
// any other module loads, `Date.now()` — what the core, the drivers and their
// clients read the time with — runs CACHE_CLOCK_OFFSET_MS ms ahead (negative:
// behind) of the host's clock. The monotonic clock (process.hrtime) is untouched.
const offsetMs = Number(process.env.CACHE_CLOCK_OFFSET_MS ?? '0');
if (!Number.isSafeInteger(offsetMs)) throw new Error(`CACHE_CLOCK_OFFSET_MS is not an integer: ${offsetMs}`);
const realNow = Date.now;
Date.now = () => realNow() + offsetMs;
