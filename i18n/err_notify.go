package i18n

// notifyErrors are the messages of the notification gateway's settings and
// dead letters.
var notifyErrors = map[string][2]string{
	"err.notify.gateway_url":         {"网关地址须为 http(s)://主机/路径", "the gateway URL must be http(s)://host/path"},
	"err.notify.attempts_range":      {"重试次数须在 0–20 之间", "attempts must be 0–20"},
	"err.notify.secret_too_short":    {"签名密钥至少 16 个字符", "the signing secret needs at least 16 characters"},
	"err.notify.no_such_dead_letter": {"没有这条未送达通知", "no such dead letter"},
}
