package backup

// SetBeforeManifest makes WriteDir call fn once a backup's hot copy and
// segments are written, before its manifest; the returned func restores the
// default.
func SetBeforeManifest(fn func(hotTmp string)) (restore func()) {
	old := beforeManifest
	beforeManifest = fn
	return func() { beforeManifest = old }
}

// CompressedSize is the bytes of src's hot copy as a backup writes it
// (compressed), for BenchmarkKeptBackups.
func CompressedSize(src HotCopier) (int64, error) {
	var c countWriter
	_, err := compressHot(src, &c)
	return int64(c), err
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
