package i18n

// storeErrors are the messages of the errors of store.
var storeErrors = map[string][2]string{
	"err.store.no_such_device":      {"没有这个设备", "no such device"},
	"err.store.no_such_file":        {"找不到文件 %s", "no such file %s"},
	"err.store.no_ticket_with_this": {"查无此号", "no ticket with this code"},
	"err.store.there_is_no_hall":    {"%s 中没有营业厅数据库", "there is no hall database in %s"},
	"err.store.user_already_exists": {"用户 %s 已存在", "user %s already exists"},
}
