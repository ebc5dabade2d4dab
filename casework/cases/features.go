package cases

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The model reads a text as features: the characters of each clause of the
// normalised text and their pairs and triples (character 1–3-grams, so that
// 「停电」「电费」「校验」 and the typos around them are found without a word
// list), and the English or pinyin words with their pairs. Before that the
// text is folded (see Normalize), common homophone typos and dialect words are
// replaced (停点→停电, 佃费→电费, 冇电→没电, see homophones), and English and
// pinyin words the glossary knows add their Chinese meaning as one more clause
// ("meter runs fast" also reads 「电表」「快」).

// feature is one feature of a text with its value (features are binary,
// scaled so that a text's vector has length 1: a long ramble weighs no more
// than a short request).
type feature struct {
	name string
	x    float64
}

// homophones are typos and dialect words customers really type, with the
// word they mean. Longer entries are tried first.
var homophones = map[string]string{
	"停点": "停电", "挺电": "停电", "停店": "停电", "听电": "停电", "冇电": "没电", "冇": "没", "无电": "没电",
	"佃费": "电费", "电废": "电费", "点费": "电费", "店费": "电费", "垫费": "电费", "殿费": "电费", "电肥": "电费",
	"违约经": "违约金", "违约今": "违约金", "违约精": "违约金", "滞纳今": "滞纳金", "只纳金": "滞纳金", "滞纳经": "滞纳金",
	"低宝": "低保", "底保": "低保", "抵保": "低保",
	"收剧": "收据", "发漂": "发票", "发飘": "发票", "发嫖": "发票",
	"过护": "过户", "过沪": "过户", "过互": "过户",
	"充电庄": "充电桩", "充电装": "充电桩", "充电柱": "充电桩", "充电状": "充电桩",
	"光付": "光伏", "光浮": "光伏", "光服": "光伏", "光扶": "光伏",
	"效验": "校验", "较验": "校验", "教验": "校验", "校演": "校验",
	"电标": "电表", "店表": "电表", "点表": "电表", "火表": "电表", "电度表": "电表", "电能表": "电表", "垫表": "电表",
	"风谷": "峰谷", "锋谷": "峰谷", "蜂谷": "峰谷",
	"曾容": "增容", "增溶": "增容", "争容": "增容", "增荣": "增容", "减荣": "减容", "减溶": "减容", "三相点": "三相电", "点卡": "电卡",
	"超表": "抄表", "吵表": "抄表",
	"电亚": "电压", "电鸭": "电压", "电圧": "电压",
	"接梯": "阶梯", "街梯": "阶梯", "介梯": "阶梯",
	"跳匝": "跳闸", "跳扎": "跳闸", "跳炸": "跳闸",
	"销护": "销户", "消户": "销户",
	"报状": "报装", "抱装": "报装",
	"咋": "怎么", "啥": "什么", "俺": "我", "木有": "没有", "么有": "没有", "莫得": "没有", "冇得": "没有",
	"晓得": "知道", "整么": "怎么", "肿么": "怎么", "神马": "什么",
	"屋头": "家里", "屋里头": "家里",
	"网上过往": "网上国网", "网上国王": "网上国网", "临时用点": "临时用电", "用点量": "用电量",
	"用点记录": "用电记录", "用点明细": "用电明细", "剪免": "减免", "优会": "优惠",
	"优回": "优惠", "增融": "增容", "维约金": "违约金", "支付保": "支付宝", "重服缴费": "重复缴费", "物业张": "物业章",
	"增蓉": "增容", "阶提": "阶梯", "代口": "代扣", "没来点": "没来电", "抢秀": "抢修",
}

// glossary gives the Chinese words of English words (lower case).
var glossary = map[string]string{
	// English
	"pay": "交", "paid": "交了", "payment": "缴费", "bill": "电费", "bills": "电费", "electricity": "电", "power": "电",
	"invoice": "发票", "receipt": "发票", "meter": "电表", "meters": "电表", "fast": "快", "faster": "快",
	"slow": "慢", "wrong": "不对", "check": "校验", "test": "校验", "tested": "校验", "accurate": "准", "inaccurate": "不准",
	"outage": "停电", "blackout": "停电", "cut": "停", "off": "停", "no": "没", "repair": "报修", "fix": "修", "broken": "坏",
	"refund": "退费", "back": "退", "transfer": "过户", "owner": "户主", "name": "户名", "account": "户号",
	"close": "销户", "new": "新装", "connection": "接电", "connect": "接电", "install": "装", "charger": "充电桩",
	"charging": "充电桩", "ev": "充电桩", "solar": "光伏", "pv": "光伏", "panel": "光伏", "panels": "光伏",
	"capacity": "容量", "increase": "增", "tariff": "电价", "price": "电价", "rate": "电价", "cheaper": "便宜",
	"discount": "优惠", "waive": "免", "waiver": "减免", "late": "违约金", "fee": "费", "fine": "罚款", "penalty": "罚款",
	"complain": "投诉", "complaint": "投诉", "rude": "态度差", "staff": "工作人员", "address": "住址", "phone": "电话",
	"number": "号码", "neighbour": "邻居", "neighbor": "邻居", "neighbours": "邻居", "neighbors": "邻居",
	"usage": "用电量", "voltage": "电压", "low": "低", "high": "高", "flicker": "闪", "flickering": "闪",
	"queue": "排队", "first": "先", "jump": "插队", "urgent": "急", "hurry": "急", "delete": "删除", "record": "记录",
	"records": "记录", "fake": "假", "more": "多", "extra": "多", "seal": "封印", "bribe": "好处费", "gift": "红包",
	"temporary": "临时", "construction": "施工", "app": "网上国网", "arrears": "欠费", "owe": "欠费", "debit": "代扣",
	"bank": "银行", "card": "购电卡", "topup": "充值", "prepaid": "购电卡", "appliance": "电器", "damaged": "损坏",
	"tv": "电视", "fridge": "冰箱", "wire": "电线", "pole": "电线杆", "theft": "窃电", "stealing": "偷电", "steal": "偷电",
	"reconnect": "复电", "restore": "复电", "when": "什么时候", "how": "怎么", "much": "多少", "where": "哪里",
	"help": "帮", "progress": "进度", "suspend": "暂停", "relocate": "移表", "move": "移", "three": "三相", "phase": "三相",
	"disabled": "残疾", "poor": "困难", "elderly": "老人", "home": "家", "visit": "上门", "lock": "锁", "road": "路面",
	"passport": "证件", "id": "身份证", "friend": "朋友", "tenant": "租户", "landlord": "房东", "claim": "赔偿",
	"compensation": "赔偿", "compensate": "赔偿", "reimbursement": "报销", "deferral": "缓交", "defer": "缓交",
	"zero": "清零", "sms": "短信", "balance": "余额", "sign": "签字", "lost": "丢了", "burned": "烧了", "burnt": "烧了",
	"damage": "损坏", "print": "打印", "counter": "柜台", "company": "公司",
	"pending": "没到账", "statement": "账单", "double": "重复", "twice": "两次", "overdue": "欠费", "topped": "充值",
	"deed": "产权证", "management": "物业", "parking": "车位", "multiplier": "倍率", "inspector": "用电检查",
	"household": "户", "budget": "费用", "stamp": "盖章",
}

// pinyin gives the Chinese of common pinyin words (lower case, no tones).
var pinyin = map[string]string{
	"dianfei": "电费", "jiaofei": "缴费", "jiao": "交", "dianbiao": "电表", "biao": "表", "tingdian": "停电", "meidian": "没电",
	"fapiao": "发票", "guohu": "过户", "xiaohu": "销户", "baozhuang": "报装", "zengrong": "增容", "jiaoyan": "校验",
	"tuifei": "退费", "tuikuan": "退款", "dianjia": "电价", "jieti": "阶梯", "fenggu": "峰谷", "guangfu": "光伏",
	"chongdianzhuang": "充电桩", "baoxiu": "报修", "qiangxiu": "抢修", "dianya": "电压", "qianfei": "欠费",
	"weiyuejin": "违约金", "tousu": "投诉", "kuai": "快", "zoudekuai": "走得快", "bu": "不", "zhun": "准", "buzhun": "不准",
	"chaxun": "查询", "yongdian": "用电", "linshi": "临时", "linju": "邻居", "chadui": "插队", "shanchu": "删除",
	"jilu": "记录", "fengyin": "封印", "hongbao": "红包", "dibao": "低保", "canji": "残疾", "youhui": "优惠",
	"pianyi": "便宜", "mianfei": "免费", "huanjiao": "缓交", "huanjiaofei": "缓交", "tiaozha": "跳闸",
	"sanxiang": "三相", "danxiang": "单相", "biaoxiang": "表箱", "shigong": "施工", "lumian": "路面", "zenme": "怎么",
	"shenme": "什么", "shihou": "时候", "wojia": "我家", "jiali": "家里", "bangwo": "帮我", "kaipiao": "开票",
	"xuyao": "需要", "cailiao": "材料", "ziliao": "资料", "shouxu": "手续", "banli": "办理", "shenqing": "申请",
	"shouji": "手机", "shoujihao": "手机号", "haoma": "号码", "gaiyixia": "改一下", "yanqi": "延期", "huming": "户名",
	"huhao": "户号", "tingle": "停了", "peichang": "赔偿",
	"mian": "免", "jianmian": "减免", "shenfenzheng": "身份证", "zhengjian": "证件", "bingwang": "并网",
	"gaicheng": "改成", "zhangdan": "账单", "jiaoqing": "交清", "songdian": "送电", "xinzhuang": "新装",
	"fakuan": "罚款", "gongdianju": "供电局", "nengbuneng": "能不能", "buyao": "不要",
	"daozhang": "到账", "yucun": "预存", "zhifubao": "支付宝", "weixin": "微信", "chaobiao": "抄表", "yibiao": "移表",
	"kaihu": "开户", "fangdong": "房东", "qianzi": "签字", "duoshao": "多少", "jindu": "进度", "xiaoqu": "小区",
}

// initials are chat abbreviations by pinyin initials, read only as whole
// words (never inside a run of letters: "asdfgh" is not 电费 过户).
var initials = map[string]string{"sm": "什么", "gh": "过户", "df": "电费", "db": "电表"}

// pinyinKeys are the pinyin words, longest first, for finding pinyin written
// without spaces.
var pinyinKeys = func() []string {
	out := make([]string, 0, len(pinyin))
	for k := range pinyin {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return out
}()

var homophoneKeys = func() []string {
	out := make([]string, 0, len(homophones))
	for k := range homophones {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b); la != lb {
			return lb - la
		}
		return strings.Compare(a, b)
	})
	return out
}()

// prepared is a text read for the model: clauses of folded Chinese (and other
// non-ASCII letters and digits, digit runs as one '#'), and the ASCII words.
type prepared struct {
	clauses [][]rune
	words   []string
}

// prepare folds text (see fold), splits it into clauses at punctuation and
// spaces between Chinese characters, replaces homophone typos, collects ASCII
// words, and adds the glossary's Chinese for the words it knows as a clause.
func prepare(text string) prepared {
	var p prepared
	var cur []rune
	var word []rune
	flushWord := func() {
		if len(word) > 0 {
			p.words = append(p.words, string(word))
			word = word[:0]
		}
	}
	flushClause := func() {
		if len(cur) > 0 {
			p.clauses = append(p.clauses, cur)
			cur = nil
		}
	}
	lastDigit := false
	for _, r := range text {
		f, ok := fold(r)
		switch {
		case !ok:
			flushWord()
			if !unicode.IsSpace(r) || len(cur) > 12 {
				flushClause()
			}
			lastDigit = false
		case f < utf8.RuneSelf && (f >= 'a' && f <= 'z'):
			word = append(word, f)
			lastDigit = false
		case unicode.IsDigit(f):
			flushWord()
			if !lastDigit {
				cur = append(cur, '#')
			}
			lastDigit = true
		default:
			flushWord()
			cur = append(cur, f)
			lastDigit = false
		}
	}
	flushWord()
	flushClause()
	for i, c := range p.clauses {
		p.clauses[i] = []rune(replaceHomophones(string(c)))
	}
	var gloss []rune
	for i, w := range p.words {
		if g, ok := glossary[w]; ok {
			gloss = append(gloss, []rune(g)...)
			continue
		}
		if g, ok := pinyin[w]; ok {
			gloss = append(gloss, []rune(g)...)
			continue
		}
		if g, ok := initials[w]; ok {
			gloss = append(gloss, []rune(g)...)
			continue
		}
		if i+2 < len(p.words) {
			if g, ok := pinyin[w+p.words[i+1]+p.words[i+2]]; ok { // "shen fen zheng"
				gloss = append(gloss, []rune(g)...)
				continue
			}
		}
		if i+1 < len(p.words) {
			if g, ok := pinyin[w+p.words[i+1]]; ok { // "dian fei"
				gloss = append(gloss, []rune(g)...)
				continue
			}
		}
		if len(w) >= 6 {
			gloss = append(gloss, []rune(pinyinRun(w))...)
		}
	}
	if len(gloss) > 0 {
		p.clauses = append(p.clauses, []rune(replaceHomophones(string(gloss))))
	}
	return p
}

// pinyinRun finds the glossary's pinyin words inside a run of letters
// written without spaces ("wojiadianbiaozoudekuai"), left to right, longest
// first.
func pinyinRun(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		hit := false
		for _, k := range pinyinKeys {
			if strings.HasPrefix(w[i:], k) {
				b.WriteString(pinyin[k])
				i += len(k)
				hit = true
				break
			}
		}
		if !hit {
			i++
		}
	}
	return b.String()
}

func replaceHomophones(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		hit := false
		for _, k := range homophoneKeys {
			if strings.HasPrefix(s[i:], k) {
				// 冇 alone is a word; an entry never rewrites inside a longer
				// replacement because the longest keys are tried first.
				b.WriteString(homophones[k])
				i += len(k)
				hit = true
				break
			}
		}
		if !hit {
			_, n := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

// featuresOf returns the distinct features of a prepared text, each with the
// same value 1/sqrt(n). Character n-grams never span two clauses.
//
// With skip, the features also hold each clause's character pairs with one
// character between them (停_电 of 停了电, 电_表 of 电的表): a writer's
// insertion (了, 的, 个) or a one-character typo between the two characters
// of a word still meets the pair another writer taught.
//
// With ask > 0, the features also hold the text's ask cues (see askCues),
// each as "q:" and its name, worth ask times one of the other features.
//
// With stop, a character n-gram made only of stopChars (帮我, 给我, 吧, 一下)
// is not a feature: how politely or bluntly a writer asks says nothing of
// what is asked, and it would draw a plain request to the class whose
// training lines happen to be phrased as favours.
func featuresOf(p prepared, skip bool, ask float64, stop bool) []feature {
	seen := make(map[string]struct{}, 64)
	var names []string
	add := func(s string) {
		if stop && allStop(s) {
			return
		}
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			names = append(names, s)
		}
	}
	for _, c := range p.clauses {
		for i := range c {
			add(string(c[i : i+1]))
			if i+2 <= len(c) {
				add(string(c[i : i+2]))
			}
			if i+3 <= len(c) {
				add(string(c[i : i+3]))
				if skip {
					add(string([]rune{c[i], '_', c[i+2]}))
				}
			}
		}
	}
	for i, w := range p.words {
		if len(w) < 2 {
			continue
		}
		add("w:" + w)
		if i+1 < len(p.words) {
			add("w:" + w + "_" + p.words[i+1])
		}
	}
	if len(names) == 0 {
		return nil
	}
	var qs []string
	if ask > 0 {
		qs = asks(p)
	}
	x := 1 / math.Sqrt(float64(len(names)+len(qs)))
	out := make([]feature, len(names), len(names)+len(qs))
	for i, n := range names {
		out[i] = feature{n, x}
	}
	for _, q := range qs {
		out = append(out, feature{"q:" + q, ask * x})
	}
	return out
}

// textKey identifies a training text (its folded form) with its item, so
// that a catalog example the shipped model was trained on is not learnt
// twice.
func textKey(text, item string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(Normalize(text)))
	h.Write([]byte{0})
	h.Write([]byte(item))
	return h.Sum64()
}

// stopChars are the characters of politeness, pronouns and particles.
const stopChars = "帮给我你您他她们的了吗呢吧啊呀嘛哈哦啦咯个一下把请麻烦就都也这那俺侬"

func allStop(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(stopChars, r) {
			return false
		}
	}
	return true
}
