package i18n

// Keys returns every key of the catalog, in no order.
func Keys() []string {
	keys := make([]string, 0, len(messages))
	for k := range messages {
		keys = append(keys, k)
	}
	return keys
}

// Formats returns the Chinese and English formats of key, and whether key
// is in the catalog.
func Formats(key string) (zh, en string, ok bool) {
	m, ok := messages[key]
	return m[0], m[1], ok
}
