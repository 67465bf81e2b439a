package oversight

// CacheKey exposes the cache's key to the package's tests.
var CacheKey = cacheKey
