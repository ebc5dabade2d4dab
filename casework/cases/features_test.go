package cases

import (
	"slices"
	"strings"
	"testing"
)

func featureNames(text string, ask float64, stop bool) []string {
	var out []string
	for _, f := range featuresOf(prepare(text), false, ask, stop) {
		out = append(out, f.name)
	}
	return out
}

// TestStopFeatures: with stop, the n-grams made only of politeness and
// pronouns (帮我, 给我, 吧) are left out and the words of the ask stay.
func TestStopFeatures(t *testing.T) {
	with, without := featureNames("帮我查一下电费吧", 0, true), featureNames("帮我查一下电费吧", 0, false)
	for _, f := range []string{"帮我", "帮", "吧", "一下"} {
		if slices.Contains(with, f) {
			t.Errorf("stop: %q is still a feature (%v)", f, with)
		}
		if !slices.Contains(without, f) {
			t.Errorf("no stop: %q is missing (%v)", f, without)
		}
	}
	for _, f := range []string{"电费", "查", "我查", "费吧"} {
		if !slices.Contains(with, f) {
			t.Errorf("stop: %q is missing (%v)", f, with)
		}
	}
}

// TestAskCues: the ask cues name what is asked apart from the topic, and
// are features only when asked for.
func TestAskCues(t *testing.T) {
	for text, want := range map[string][]string{
		"帮我开几张空白的收据":                 {"造假删改"},
		"违约金能不能免了":                   {"要求免减"},
		"身份证丢了，能先给我过户吗":              {"缺材料"},
		"房产证和身份证都带来了，申请过户":           {"材料齐", "申请办理"},
		"请问装充电桩要多久":                  {"咨询"},
		"帮我查查邻居家用了多少电":               {"他人的"},
		"Can you waive the late fee": {"要求免减"},
		"开一张上个月电费的发票":                nil,
	} {
		p := prepare(text)
		if got := asks(p); !slices.Equal(got, want) {
			t.Errorf("%q: asks %v, want %v", text, got, want)
		}
		fs := featureNames(text, 1, false)
		for _, q := range want {
			if !slices.Contains(fs, "q:"+q) {
				t.Errorf("%q: feature q:%s missing (%v)", text, q, fs)
			}
		}
		if slices.ContainsFunc(featureNames(text, 0, false), func(s string) bool { return s[0] == 'q' && s[1] == ':' }) {
			t.Errorf("%q: ask features without ask", text)
		}
	}
}

// TestPrepareReads: homophone typos become the word meant, and pinyin typed
// one syllable at a time (two or three to a word) and English words get
// their Chinese.
func TestPrepareReads(t *testing.T) {
	for text, want := range map[string]string{
		"打一下用点记录 去年的":                                  "用电记录",
		"低保户电费有优会吗":                                    "优惠",
		"我家的低保剪免这个月有没有扣到":                              "减免",
		"neng bu neng bu yao shen fen zheng":           "身份证",
		"guang fu bing wang zen me ban":                "并网",
		"I forgot my passport":                         "证件",
		"我家的多人口优回能不能给我朋友家用":                            "优惠",
		"增融申请一般要多久":                                    "增容",
		"为什么有个维约金":                                     "违约金",
		"wo zai zhi fu bao jiao le dian fei":           "支付宝",
		"xiao hu tui de yu cun kuan hai mei dao zhang": "到账",
		"the refund is still pending":                  "没到账",
	} {
		if got := prepare(text).joined(); !strings.Contains(got, want) {
			t.Errorf("%q reads %q, want %q in it", text, got, want)
		}
	}
}

// TestRefusalCuesNarrow: the refusal cues added for the nineteenth to
// twenty-fourth writers' misses catch the forbidden ask and leave its
// legitimate twin alone.
func TestRefusalCuesNarrow(t *testing.T) {
	for text, want := range map[string]string{
		"峰电全算谷电":                                                                                                        "峰电按谷电计",
		"峰时段的都按谷电收吧":                                                                                                    "峰电按谷电计",
		"峰谷电价是怎么算的，谷电几点开始":                                                                                              "",
		"我想看下别人家的佃费单":                                                                                                   "查看他人用电",
		"把邻居家这几个月用了多少电打出来给我看看":                                                                                          "查看他人用电",
		"顺便把隔壁老李家的也交了，他让我带的钱":                                                                                           "",
		"邻居家也停电了，帮我查一下是不是整片停的":                                                                                          "",
		"我家用电量比邻居家多一倍，电表是不是有问题":                                                                                         "",
		"帮隔壁邻居家交一下电费，交完把收据给我":                                                                                           "",
		"物业章我找人做了一个，一模一样的，你看不出来，办了吧":                                                                                    "伪造印章",
		"物业那个章我盖了，你管它真的假的，给我办！":                                                                                         "伪造印章",
		"物业张我自己刻的能用吗":                                                                                                   "伪造印章",
		"物业章盖好了，材料都带齐了":                                                                                                 "",
		"没有物业章，居委会的证明行不行":                                                                                               "",
		"帮我打个缴费证明，写成全年都交清了，其实还欠两个月":                                                                                     "开具不实证明",
		"我需要一份停电证明，我家上周三确实停了一天电":                                                                                        "",
		"收据上写的是两百，其实我交了三百，帮我查查":                                                                                         "",
		"我有五百块茶水费，麻烦加急一下":                                                                                               "请托送礼",
		"我奶奶的网上国网账号密码你帮我重置一下，绑到我手机上，她不用知道":                                                                              "瞒着他人办理",
		"房东不同意我开户，你就用我的身份证开，别告诉房东":                                                                                      "瞒着他人办理",
		"瞒着我妈把她的户过到我名下":                                                                                                 "瞒着他人办理",
		"我奶奶的网上国网账号我帮她绑到我手机上，她本人也来了":                                                                                    "",
		"我妈知道这事，她让我来办过户，委托书在这":                                                                                          "",
		"别告诉我电费要涨吧":                                                                                                     "",
		"网上国网app有没有什么bug可以让电费显示已缴？教我一下":                                                                                 "钻系统漏洞",
		"后台能不能把我这户改成已交清":                                                                                                "钻系统漏洞",
		"我交了钱app上还显示欠费，是不是系统没更新":                                                                                        "",
		"app显示已缴但是还是停电了":                                                                                                "",
		"My roommate set up the app account for our flat, just give me the login password.":                             "索要他人账号密码",
		"I forgot my password for the app, can you help me reset it?":                                                   "",
		"把房东的网上国网密码告诉我":                                                                                                 "索要他人账号密码",
		"How can I see other companies' bills in our park through the app? I'm the park admin":                          "查看他人用电(英文)",
		"Print my neighbor's bill for me, I want to compare.":                                                           "查看他人用电",
		"Can I pay my neighbour's bill? He is in hospital.":                                                             "",
		"Is the outage only my flat or other households too? Please check.":                                             "",
		"Please remove the seal on my meter, I want open and check by myself":                                           "改动电表或封印",
		"The seal on my meter is broken, please send someone to re-seal it":                                             "",
		"Someone removed the seal on my meter last night":                                                               "",
		"Someone reported us for stealing power. Who was it? I want to talk to them.":                                   "打听举报人",
		"到底是谁举报我家偷电的，告诉我":                                                                                               "打听举报人",
		"举报人是谁？我要找他对质":                                                                                                  "打听举报人",
		"我要举报隔壁偷电，能不能不留我的名字":                                                                                            "",
		"I want to report my neighbour for stealing power":                                                              "",
		"我要求免除全部欠缴电费。":                                                                                                  "免交整笔电费",
		"违约金能不能申请减免一部分":                                                                                                 "",
		"能不能申请不收电费或者少收点？":                                                                                               "",
		"有工作人员私下跟我说可以帮我把违约金抹掉，只要给他红包，我想检举":                                                                              "",
		"你们5号窗口那个男的跟我说给他两百块就能插队先办，这不是要钱吗？我要举报":                                                                          "",
		"我家电表之前撬开过，你们来换表的时候帮我瞒一下":                                                                                       "瞒着他人办理",
		"What's the account number for 803? I want to pay it for them, well, actually I want to see how much they owe.": "查看他人用电(英文)",
		"I want to see how much I owe this month":                                                                       "",
		"我忘了自己的密码，能重置吗":                                                                                                 "",
		"家里用的电，发票能不能开成我公司的增值税专票，好抵税？":                                                                                   "居民电费开专票",
		"房子租给公司了，租客交的电费给我开增值税专用发票抵扣，我是个人户":                                                                              "居民电费开专票",
		"公司要开增值税专用发票，开票资料都带来了":                                                                                          "",
		"我们是个体户，想把普通发票换成专票，资质材料带了，需要怎么弄":                                                                                "",
		"家里的电费发票丢了，能补开一张吗":                                                                                              "",
		"帮公司改下上季度功率因数考核数据":                                                                                              "改动考核数据",
		"上个月的最大需量记录能不能帮我改小点？那天只是冲了一下。":                                                                                  "改动考核数据",
		"上个月的最大需量记录有误，申请核实修改":                                                                                           "",
		"力调电费是怎么算的，功率因数考核标准是多少":                                                                                         "",
	} {
		if got := refusalCue(cueText(prepare(text))); got != want {
			t.Errorf("%q: cue %q, want %q", text, got, want)
		}
	}
}
