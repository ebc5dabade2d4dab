package i18n

// catalogsyncErrors are the messages of the errors of catalogsync.
var catalogsyncErrors = map[string][2]string{
	"err.catalogsync.bundle_conflicts_with_hall": {"目录包 %[1]d 与本厅的修改冲突，已拒绝", "catalog bundle %[1]d conflicts with this hall's own changes: %[2]s"},
	"err.catalogsync.bundle_does_not_merge":      {"目录包 %[1]d 无法合并", "catalog bundle %[1]d does not merge: %[2]v"},
	"err.catalogsync.bundle_is_too_large":        {"目录包过大", "the catalog bundle is too large"},
	"err.catalogsync.content_is_invalid":         {"目录包内容无效", "the catalog bundle's content is invalid"},
	"err.catalogsync.download_broke_off":         {"读取目录包中断", "the bundle's download broke off"},
	"err.catalogsync.invalid_catalog":            {"目录包无效", "invalid catalog: %s"},
	"err.catalogsync.no_region_configured":       {"本厅未配置区域中心", "this hall has no region configured (hall.json region_catalog)"},
	"err.catalogsync.not_a_signed_bundle":        {"目录包格式错误", "the catalog bundle is not a signed bundle"},
	"err.catalogsync.private_key_must_be":        {"区域中心私钥格式错误", "the region's private key must be a base64 ed25519 seed"},
	"err.catalogsync.public_key_must_be":         {"区域中心公钥格式错误", "the region's public key must be 32 bytes in base64"},
	"err.catalogsync.public_key_not_configured":  {"未配置区域中心公钥", "the region's public key is not configured"},
	"err.catalogsync.region_answered":            {"区域中心答复 %d", "the region answered %d"},
	"err.catalogsync.region_cannot_be_reached":   {"无法连接区域中心", "the region cannot be reached"},
	"err.catalogsync.region_url_is_invalid":      {"区域中心地址无效", "the region's URL is invalid"},
	"err.catalogsync.signature_does_not_verify":  {"目录包签名校验失败，已拒绝", "the catalog bundle's signature does not verify: refused"},
	"err.catalogsync.the_bundle_has_no":          {"目录包没有业务目录", "the bundle has no catalog"},
	"err.catalogsync.the_bundles_catalog_is":     {"目录包中的业务目录无效", "the bundle's catalog is invalid: %s"},
	"err.catalogsync.url_must_be_http":           {"hall.json region_catalog.url 须为 http(s) 地址", "region_catalog.url must be an http(s) URL"},
	"err.catalogsync.version_is_older_than":      {"目录包版本 %d 旧于本厅正在使用的版本 %d，已拒绝", "catalog bundle version %d is older than version %d the hall runs: refused"},
	"err.catalogsync.version_must_be_positive":   {"目录版本须为正整数", "the bundle's version must be positive"},
}
