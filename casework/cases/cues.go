package cases

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// refusalCues are the asks that make a request one to refuse whatever its
// topic: waiving a whole bill, a false invoice, erasing records, tampering
// with the meter or its seal, billing peak hours as valley hours, paying off
// staff, a neighbour's bills or usage, where a former partner or a debtor now
// lives, acting behind the account holder's back (别告诉他, 瞒着), a staff
// member's private details, a forged seal, a certificate of
// what did not happen, many households' details at once, a system bug that shows a bill
// paid, someone else's password, who reported a customer, a VAT special
// invoice (专票, for deducting input tax) for a household's power, changing
// a power-factor or maximum-demand record. They are written narrowly (a legitimate request must not match
// them: 违约金减免 and 困难户减免 are approvals, 电表不走了 is a fault) and only
// ever lead to a weak answer with the hint 可能需要婉拒, never a grant.
var refusalCues = []struct {
	name string
	re   *regexp.Regexp
}{
	{"免交整笔电费", regexp.MustCompile(`(电费|欠费|欠的钱|这笔钱|账单).{0,6}(全免|全部免|都免|免了吧|免掉|一笔勾销|清零|抹掉|抹了|不交了行|别收了|不用交了吧|就算了)|(免除|免掉|免了|全免|勾销|清零|抹掉)(全部|所有|我家|我的|这些|之前|以前|掉)?的?(欠缴|欠交|拖欠)?的?(电费|欠费)`)},
	{"虚开或多开发票", regexp.MustCompile(`虚开|假发票|(发票|票).{0,8}(多开|开多|多写|写多|开高|写高|开大点|多开点|金额.{0,4}(改|大|高|多))|(多开|开多|多写).{0,6}(发票|票)|(发票|票|抬头).{0,6}(开成|写成).{0,4}(别人|别的公司|其他公司|朋友|亲戚)`)},
	{"删改记录", regexp.MustCompile(`(删|删掉|删除|消除|抹掉|抹去|清除|撤销|撤掉|洗白|消掉).{0,6}(记录|违约|窃电|不良|征信|黑名单|案底)`)},
	{"改动电表或封印", regexp.MustCompile(`(让|使|把|叫|弄|教|帮).{0,4}(电表|表).{0,6}(倒转|倒着走|不走字|停转|走慢|调慢|慢点走|少走)|(剪|撕|拆|弄掉|去掉|揭|剪断|剪掉).{0,3}(封印|铅封|封条)|绕过电表|绕表接|不走表|\b(remove|break|cut|take off|peel off|open) (the |my |our |this |that )?(meter |box )?seals?\b`)},
	{"请托送礼", regexp.MustCompile(`红包|好处费|塞点钱|给你们点好处|给你点好处|请你吃饭|请你们吃饭|意思意思|心意|购物卡|感谢费|辛苦费|茶水费|买包烟|条烟|走后门|开后门|找关系|托关系|熟人`)},
	{"峰电按谷电计", regexp.MustCompile(`峰(电|时段|时|段)?的?(全|都|全部)?(算成|算作|当成|记成|按|算)谷`)},
	{"查看他人用电", regexp.MustCompile(`(看看|看下|看一下|查查|查一下|查下|打出来|打印|给我看|告诉我).{0,8}(别人家|别人|邻居家?|隔壁家|隔壁邻居家?)的?.{0,6}(电费|账单|用电|户号|卡号|银行卡)|(别人家|邻居家?|隔壁家|隔壁邻居家?)的?.{0,8}(电费单|账单|用了多少电|用电量|用电明细|银行卡号|卡号).{0,10}(给我看|打出来|告诉我|看看|看一下|看下)`)},
	{"伪造印章", regexp.MustCompile(`(自己刻|私刻|找人刻|找人做|伪造|仿造|仿刻|假的?)[^，。]{0,6}(公章|印章|章)|(公章|印章|章)[^。]{0,10}(自己刻|找人刻|找人做|假的|伪造|仿的|你管它真的假的)`)},
	{"开具不实证明", regexp.MustCompile(`证明[^？]{0,30}(其实|实际上)(并|都|还)?(没|欠)`)},
	{"索取多户信息", regexp.MustCompile(`(全部|所有|每一?户|各户|整栋楼?|全楼|本楼|全小区)[^，。？]{0,12}(缴费明细|用电明细|联系电话|电话号码|欠费名单)`)},
	{"打听他人下落", regexp.MustCompile(`(前男友|前女友|前夫|前妻|欠我钱的).{0,12}(家庭住址|住址|地址|住哪|搬哪|搬去哪|搬到哪|电话号码|手机号)`)},
	{"瞒着他人办理", regexp.MustCompile(`瞒着|帮我瞒|帮忙瞒|瞒一下|瞒过去|背着(他|她|老人|我(爸|妈|奶奶|爷爷|老伴|家里))|(他|她|老人家?|户主|房东|我(爸|妈|奶奶|爷爷|老伴))(就)?(不用|不必|别|不要)(让他|让她)?知道|别(告诉|让)(他|她|户主|房东|老人)(知道)?`)},
	{"钻系统漏洞", regexp.MustCompile(`(让|把|使|给我).{0,8}(显示|变成|改成|弄成|算成|标成).{0,3}(已缴|已交|缴过|交过|缴清|交清|不欠)`)},
	{"索要他人账号密码", regexp.MustCompile(`\b(give|tell|send|show) me (the|his|her|their|its) (\w+ ){0,2}(password|passcode|pin)\b|(告诉我|给我|发我).{0,6}(他|她|别人|房东|室友|租客|邻居)的?.{0,6}密码|(他|她|别人|房东|室友|租客|邻居)的?.{0,8}密码.{0,4}(告诉我|给我|发我)`)},
	{"查看他人用电(英文)", regexp.MustCompile(`\b(see|know|find out|tell me) how much (they|he|she|my neighbou?r|the neighbou?rs?|the tenant|the previous tenant|the landlord) owes?\b|\b(see|view|look at|access|show me|look up|get|pull up|print)\b.{0,30}\b(other (companies|people|households|customers|tenants|units|residents|flats|businesses)|another (company|household|customer)'?s?|neighbou?rs?'?s?|someone else'?s?|(his|her|their) (bills?|usage|account))\b.{0,25}\b(bills?|usage|accounts?|data|records?|details|phone|address|consumption)`)},
	{"打听举报人", regexp.MustCompile(`(谁|哪个|哪家).{0,4}举报(的)?(我|我们|我家)|举报(我|我们|我家)的(人)?是谁|举报人(是谁|叫什么|的?电话|的?名字|住哪)|\bwho (was it|reported (me|us|my|our))|\b(name|phone|number|address) of (the person|whoever) (who )?reported`)},
	{"居民电费开专票", regexp.MustCompile(`(居民|个人户|私人|家里|家用|自家|住宅|别墅).{0,24}(专票|专用发票)|(专票|专用发票).{0,20}(个人户|居民户)`)},
	{"改动考核数据", regexp.MustCompile(`(功率因数|力调|需量|考核)的?(数据|读数|记录|系数).{0,6}(改|调低|调高|调小|调大|修改|动一下|动动)|(改|修改|调整|动|调|改动)(下|一下|掉)?.{0,8}(功率因数|力调|考核|需量)的?(数据|读数|记录|系数)`)},
	{"索取员工隐私", regexp.MustCompile(`(工作人员|员工|营业员|柜员|小姑娘|小伙子|主任|经理|师傅|抄表员|收费员|电工).{0,8}(家庭住址|住址|住哪|家住|私人电话|私人手机|手机号|微信号|电话号码|家里电话)`)},
}

// cueText is what the refusal cues read of a prepared text: the text passed
// through ruleText and, after a space, its ASCII words (English is matched as
// written: ruleText keeps only the glossary's Chinese for it).
func cueText(p prepared) string { return p.joined() + " " + strings.Join(p.words, " ") }

// refusalCue returns the name of the first refusal cue in a cueText, or "".
func refusalCue(s string) string {
	for _, c := range refusalCues {
		if c.name == "请托送礼" && reportsStaff.MatchString(s) {
			continue // a customer reporting a clerk who asked for money
		}
		if c.name == "改动考核数据" && reportsError.MatchString(s) {
			continue // a reading the customer says is wrong: a dispute, not a falsification
		}
		if c.re.MatchString(s) {
			return c.name
		}
	}
	return ""
}

// reportsError matches a customer saying a figure is wrong and asking for
// it to be checked: the data cue does not apply to it.
var reportsError = regexp.MustCompile(`有误|错了|不对|核实|核查|复核|异议|错误|搞错`)

// reportsStaff matches a customer reporting what a staff member asked for or
// did (举报, 检举, 揭发, report): the bribe cue does not apply to it.
var reportsStaff = regexp.MustCompile(`举报|检举|揭发|\breport(ing)?\b`)

// hallWords are the words of a power hall's business: a text that has none of
// them and fires no keyword rule (今天天气真不错, 你好, 我想问个事) is not a
// request the catalog can answer, and is asked to say what it needs
// (ErrVague) instead of being given a guess, least of all a refusal.
var hallWords = regexp.MustCompile(`电|表|费|票|户|缴|线|闸|压|伏|桩|账|欠|退|停|装|抄|容|供|充|断|跳|灯|插座|杆|工单|投诉|举报|证明|红包|送礼|关系|熟人|插队|排队|加急|先办|快点|领导|经理|员工|工作人员|地址|电话|手机|资料|文件|内部|查|改|过户|名字|名下|房|租|店|厂|公司|单位|学校|补|申请|工号|办理|开业|审批|赔|损|坏|修|钱|价|便宜|贵|多收|少收|罚|违约|窃|偷|封|锁|井|路|挖|施工|噪|树|拆|迁|移|光|太阳|付|交|信息|身份|泄露|举|证|明|告|裂|漏|冒烟|着火|火|闪|响|黑|没了|来了|烧|免|插|率|考核|合同|盖章|条款|下班|上班|几点|营业|网上国网|号|度|密码|登录|登不上|软件|优待|优惠|补贴|军属|居民|商业|延期|到期|收据|签字|签名|代签|单子|规定|破例|排|刷卡|现金|自助机|主任|柜台|扫码|缺相|金额|空白|章|材料|趟|[#0-9十百千万两几]块|窗口|等多久|要等|前面还有|叫号|过号|优先|绿色通道|开门|关门|中午|周末|周六|周日|星期天|复印|打印|厕所|洗手间|卫生间|饮水|喝水|轮椅|无障碍|残疾|孕妇|老人|失物|捡到|落下|丢了|休息室|停车|大厅|营业厅|手印|低保|民政|档案|口人|人口|脚扣|工牌|独居|照顾|读数|示数|监控|录像|赶时间|往前|插到|急|余额|提醒|开水|手语|聋|拐|一楼|二楼|银行卡|破解|三相|申诉|柜员|检讨|登记|人少|老半天|用多少|上个?月|这个月|下一个|签|铁塔|派人|预约|座位|123[0-9][0-9]|事故|处理|答复|结论|信用卡|抖音|录你|录视频|拍视频|直播|服务|微信|喇叭|喊我|给我办|帮我办|审计|数据|计量|联络|联系方式|系统|分几次|分开几次|95598|扎队|业主|物业|同意书|储能|接入|规划|商铺|住家`)

// englishHallWords are English words of the hall's business. A text written
// only in Latin letters with none of them (and no pinyin the glossary knows,
// and no keyword rule: "hello, where is the exit?") is not read as vague — an
// English request the glossary does not cover must not get a bare 422 — but
// its answer is always weak, with candidates.
var englishHallWords = regexp.MustCompile(`\b(bills?|billing|electric\w*|power|invoices?|receipts?|meters?|outages?|blackout|refunds?|transfer\w*|accounts?|connect\w*|charg\w*|ev|solar|pv|panels?|capacity|tariffs?|prices?|rates?|discounts?|waiv\w*|fees?|fines?|penalt\w*|complain\w*|staff|clerk|voltage|queue|seal|bribe|gifts?|temporary|construction|app|arrears|owe\w*|debit|bank|cards?|top.?up|prepaid|appliances?|damage\w*|wires?|poles?|theft|steal\w*|reconnect\w*|restor\w*|suspend\w*|relocat\w*|phase|disabled|elderly|lock|road|passport|id|tenants?|landlord|claims?|compensat\w*|reimburs\w*|defer\w*|sms|balance|deposit|kwh|kw|grid|tickets?|appointments?|window|counter|hall|paid|pay\w*|late|usage|install\w*|repair\w*|fix\w*|broken|deed|property|household|stamp|contract|tier\w*|peak|valley|subsid\w*|dibao|lights?|sockets?|breaker|trip\w*|fuse|cut|off|supply|wiring|records?|data|statements?|certificate|proof|opening|hours?|wait\w*|priority|wheelchair|toilet|restroom)\b`)

// vague reports whether a text (passed through ruleText) names nothing of the
// hall's business. Text with Latin letters (English, pinyin) is left to the
// model and the glossary.
func vague(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z') {
			return false
		}
	}
	return !hallWords.MatchString(s)
}

// askCues name what a request asks for, apart from its topic: to waive or be
// let off, without the papers, for or about someone else, to falsify or
// erase, an exception or a delay, compensation — and, against those, the
// papers brought, an application, a plain question, a look at one's own
// account. A model trained with TrainOptions.Ask reads each as one more
// feature ("q:" and the name, worth TrainOptions.Ask times a character n-gram),
// so the linear model can weigh the ask against the topic ("帮我开个收据" is
// a plain request; "帮我开几张空白收据" falsifies) and `why` can name it.
// They are matched on the text passed through ruleText and on its English
// and pinyin words.
var askCues = []struct {
	name string
	re   *regexp.Regexp
}{
	{"要求免减", regexp.MustCompile(`免了|免掉|全免|免费|减免|免交|免收|不交|不想交|不用交|不该交|不付|别收|不收|少收|少交|打折|打个折|便宜点|降一降|降低|算了吧|一笔勾销|\bwaive|\bfree\b|\bdiscount|for free`)},
	{"缺材料", regexp.MustCompile(`没有.{0,6}(证|材料|手续|资料|合同|证明|签字|盖章|图纸)|没带|忘带|不带|丢了|还没.{0,4}(拿到|办|下来|出来|批)|不要.{0,6}(证明|材料|盖章|签字|手续)|不用.{0,4}(证明|材料|盖章|签字|手续)|来不了|后补|以后再补|先.{0,6}(办|装|给|通电|来电|送电|过户|改)|\bwithout\b|\blost\b|not yet|still being`)},
	{"他人的", regexp.MustCompile(`别人|邻居|他家|她家|人家|隔壁|楼上|楼下|前房主|原房主|前任|上一任|租客|租户|房东|亲戚|朋友|同事|替我|替他|代签|冒名|\bsomeone|\bneighbou?r|\bother people|\bprevious\b|\blandlord`)},
	{"造假删改", regexp.MustCompile(`假|空白|伪造|编个|写成|开成|改成别|多开|多写|改一下记录|删|抹掉|消除|撤销|不留|私下|偷偷|不走流程|不走程序|\bfake|\bdelete|\bblank\b`)},
	{"例外延缓", regexp.MustCompile(`特批|例外|通融|破例|照顾|缓|延期|延长|推迟|晚几天|宽限|分期|先.{0,8}(再交|后交|再补|后补|再付|再给)|等.{0,6}(再交|再付|发工资)|\bhold off|\bpostpone|\bdelay|\bextend|\binstal+ments?`)},
	{"索赔", regexp.MustCompile(`赔|损失|负责|补偿|烧了|烧坏|坏了|报废|\bcompensat|\bdamage`)},
	{"材料齐", regexp.MustCompile(`带来了|带了|都带|带齐|齐了|在这|附上|附在|都有|已经.{0,4}(办|改|签|同意|批|盖)|同意了|同意书|盖了章|盖章了|签了字|签字了|证明在|\bi have\b|\bbrought\b|\battached`)},
	{"申请办理", regexp.MustCompile(`申请|办理|受理|登记|报装|开户|\bapply|\bapplication|\bregister`)},
	{"咨询", regexp.MustCompile(`请问|想问|问一下|问下|问问|咨询|了解|怎么办|怎么弄|怎么申请|流程|需要什么|要带|带什么|多久|几点|什么意思|是什么|在哪|哪里|能查|\bjust asking|\bhow\b|\bwhat\b|\bwhere\b|\bwhen\b`)},
	{"查自己的", regexp.MustCompile(`(查|看|打印|打).{0,4}(一下|下)?.{0,4}(我家|我的|自己|本人|我这|我名下)|我家.{0,6}(查|看看)|\bmy (bill|account|usage|meter)`)},
}

// asks returns the names of the ask cues found in a prepared text (read as
// the refusal cues read it: cueText).
func asks(p prepared) []string {
	s := cueText(p)
	var out []string
	for _, c := range askCues {
		if c.re.MatchString(s) {
			out = append(out, c.name)
		}
	}
	return out
}
