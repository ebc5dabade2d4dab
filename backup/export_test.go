package backup

// SetBeforeManifest makes WriteDir call fn once a backup's hot copy and
// segments are written, before its manifest; the returned func restores the
// default.
func SetBeforeManifest(fn func(hotTmp string)) (restore func()) {
	old := beforeManifest
	beforeManifest = fn
	return func() { beforeManifest = old }
}
