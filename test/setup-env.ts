// Every test, and every server the tests start, poisons freed media slabs (slab-pool.ts): a frame used after
// its slab was let go then carries 0xEE bytes, which the players' and files' checks see, instead of passing.
process.env.RTMP_SERVER_POISON_SLABS = '1';
