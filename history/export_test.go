package history

// SetBeforeRename makes WriteFile call fn between syncing a segment's
// temporary file and renaming it; the returned func restores the default.
func SetBeforeRename(fn func(tmp string)) (restore func()) {
	old := beforeRename
	beforeRename = fn
	return func() { beforeRename = old }
}

// SegmentOfBlock frames raw as the only block of a segment of day, with a
// valid checksum, so a fuzzer reaches the block decoders.
func SegmentOfBlock(day string, records bool, count int, first, last uint64, raw []byte) []byte {
	kind := byte(kindEvents)
	if records {
		kind = kindRecords
	}
	out, err := assemble(day, []rawBlock{{kind, count, first, last, raw}}, 1)
	if err != nil {
		panic(err)
	}
	return out
}
