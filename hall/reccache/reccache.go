// Package reccache is the kernel's write-model cache of the hall's other
// records (work orders, ratings, …) by kind and key (was in hall.go). It
// caches absent records too and is bounded, so a year of ratings is not held
// in memory: when it is Full the kernel waits for the commits in flight
// (everything dropped is then in the store) and Resets it.
package reccache

import "hallq/queue"

// Cache is not safe for concurrent use: the kernel holds its write lock.
type Cache struct {
	m   map[string]map[string]queue.Record
	n   int
	max int
}

// New returns an empty cache of at most max records.
func New(max int) *Cache { return &Cache{max: max} }

// Get returns the cached record kind/key: cached is whether the cache knows
// it, ok whether it exists (a zero Record caches "not there").
func (c *Cache) Get(kind, key string) (r queue.Record, ok, cached bool) {
	r, cached = c.m[kind][key]
	return r, cached && r.Kind != "", cached
}

// Full reports whether the cache must be Reset before the next Put.
func (c *Cache) Full() bool { return c.m == nil || c.n >= c.max }

// Reset empties the cache.
func (c *Cache) Reset() { c.m, c.n = map[string]map[string]queue.Record{}, 0 }

// Len is the number of records (absent ones too) the cache holds.
func (c *Cache) Len() int { return c.n }

// Put caches r as kind/key (the zero Record: there is none). Reset a Full
// cache first.
func (c *Cache) Put(kind, key string, r queue.Record) {
	if c.m[kind] == nil {
		c.m[kind] = map[string]queue.Record{}
	}
	if _, ok := c.m[kind][key]; !ok {
		c.n++
	}
	c.m[kind][key] = r
}
