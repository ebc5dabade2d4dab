package i18n

// regionErrors are the messages of the errors of region.
var regionErrors = map[string][2]string{
	"err.region.from_and_to_are":      {"请给出起止日期 from 和 to（YYYY-MM-DD）", "from and to (YYYY-MM-DD) are required"},
	"err.region.dates_must_be_yyyy":   {"日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD"},
	"err.region.internal":             {"内部错误", "internal error"},
	"err.region.invalid_catalog":      {"业务目录无效", "invalid catalog: %v"},
	"err.region.no_catalog_given":     {"没有业务目录", "no catalog given"},
	"err.region.no_catalog_published": {"区域中心尚未发布业务目录", "the region has published no catalog yet"},
	"err.region.range_may_span_at":    {"日期范围最多 3700 天", "the range may span at most 3700 days"},
	"err.region.to_is_before_from":    {"结束日期早于开始日期", "to is before from"},
}
