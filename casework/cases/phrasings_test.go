package cases_test

import (
	"testing"

	"hallq/casework/cases"
)

// phrasing is a realistic thing a customer says at the kiosk or to a clerk —
// colloquial, with dialect words, typos and homophones — and the item it is
// about.
type phrasing struct {
	text  string
	item  string
	class cases.Class
}

// The phrasings come in batches, kept apart so that over-fitting stays
// visible. tuned was written together with the catalog's rules. Each held-out
// batch was written afterwards, measured before any rule was changed, and
// then used to fix the general gaps it showed (synonyms, indirect wording):
//
//	heldOut1  61 phrasings, 52 right before tuning (85.2%)
//	heldOut2  52 phrasings, 33 right before tuning (63.5%; 69.2% with gapped matching alone)
//	heldOut3  46 phrasings, 33 right before tuning (71.7%; 7 of the 13 misses were ErrNoMatch)
//
// Those figures were the keyword rules'. Since the model (model.go), these
// phrasings are also training data (corpus/authors.jsonl), so this test is a
// regression check, not a measure: the honest figures come from the
// independent writers' frozen split (TestFrozenSplit, docs/cases.md).
var batches = []struct {
	name string
	rows []phrasing
}{
	{"tuned", tuned},
	{"heldOut1", heldOut1},
	{"heldOut2", heldOut2},
	{"heldOut3", heldOut3},
}

var tuned = []phrasing{
	// 即办 immediate
	{"我来交电费", "pay_bill", cases.Immediate},
	{"交一下这个月的电费，户号1234567890", "pay_bill", cases.Immediate},
	{"想预存五百块钱电费", "pay_bill", cases.Immediate},
	{"缴费在哪个窗口？", "pay_bill", cases.Immediate},
	{"开个电费发票", "invoice", cases.Immediate},
	{"我要开增值税专用发票，公司报销用", "invoice", cases.Immediate},
	{"上个月的发漂能补打一张吗", "invoice", cases.Immediate},
	{"办个银行代扣", "bank_debit", cases.Immediate},
	{"想让银行每个月自动扣电费", "bank_debit", cases.Immediate},
	{"扣款的银行卡换了，要改一下", "bank_debit", cases.Immediate},
	{"开通电子账单", "e_bill", cases.Immediate},
	{"账单能发到我邮箱里吗", "e_bill", cases.Immediate},
	{"不想要纸质的电费单了", "e_bill", cases.Immediate},
	{"购电卡充一百块钱", "card_topup", cases.Immediate},
	{"ＩＣ卡买电", "card_topup", cases.Immediate},
	{"电卡丢了，补一张", "card_topup", cases.Immediate},
	{"欠费停电了，交完钱多久来电", "reconnect_after_payment", cases.Immediate},
	{"已经把欠费补上了，怎么还没送电", "reconnect_after_payment", cases.Immediate},
	{"阶梯电价怎么算的", "tariff_enquiry", cases.Immediate},
	{"第二档电价多少钱一度？", "tariff_enquiry", cases.Immediate},
	{"现在居民用电一度电多少钱", "tariff_enquiry", cases.Immediate},
	{"想办峰谷电", "tou_tariff", cases.Immediate},
	{"晚上用电便宜的那个谷电怎么开通", "tou_tariff", cases.Immediate},
	{"风谷电价申请一下", "tou_tariff", cases.Immediate},
	{"查一下我家上个月用了多少度电", "usage_query", cases.Immediate},
	{"看看我还欠多少电费", "usage_query", cases.Immediate},
	{"打印近一年的缴费记录", "usage_statement", cases.Immediate},
	{"单位要我开个无欠费证明", "usage_statement", cases.Immediate},
	{"明天我们小区停电吗", "outage_info", cases.Immediate},
	{"这周末哪里停电检修", "outage_info", cases.Immediate},
	{"网上国网怎么注册", "app_help", cases.Immediate},
	{"APP上绑定户号老是绑不上", "app_help", cases.Immediate},
	{"房子买的二手的，电表要过户", "name_transfer", cases.Immediate},
	{"我要过护", "name_transfer", cases.Immediate},
	{"把电费户名改成我老婆的名字", "name_transfer", cases.Immediate},
	{"公司更名了，用电户名也要跟着改", "rename", cases.Immediate},
	{"手机号换了，要改一下预留电话", "contact_update", cases.Immediate},
	{"停电短信一直收不到，我换号了", "contact_update", cases.Immediate},
	{"上周报装的，想问问进度", "connection_progress", cases.Immediate},
	{"新装申请到哪一步了", "connection_progress", cases.Immediate},
	{"提个建议，厅里多放几把椅子", "suggestion", cases.Immediate},
	{"表扬一下3号窗口的小王，服务特别好", "suggestion", cases.Immediate},
	{"基本电费想从按容量改成按需量", "basic_charge_mode", cases.Immediate},

	// 跨部门协办 cross_department
	{"新房子要装电表", "lv_connection", cases.CrossDepartment},
	{"开了个小店要新装一块表", "lv_connection", cases.CrossDepartment},
	{"申请一户一表", "lv_connection", cases.CrossDepartment},
	{"家里装了三台空调电不够用，想增容", "lv_capacity", cases.CrossDepartment},
	{"店里的容量太小了，申请扩容", "lv_capacity", cases.CrossDepartment},
	{"工厂要装一台800千伏安的变压器", "hv_connection", cases.CrossDepartment},
	{"10kV专线报装", "hv_connection", cases.CrossDepartment},
	{"买了电动车，想在车位装个充电桩", "ev_charger", cases.CrossDepartment},
	{"充电庄怎么报装", "ev_charger", cases.CrossDepartment},
	{"屋顶装光伏发电想并网", "rooftop_pv", cases.CrossDepartment},
	{"家里装了太阳能板，多余的电怎么卖给国家", "rooftop_pv", cases.CrossDepartment},
	{"光付并网需要什么材料", "rooftop_pv", cases.CrossDepartment},
	{"工地施工要临时用电", "temp_power", cases.CrossDepartment},
	{"搞活动要临时接电三天", "temp_power", cases.CrossDepartment},
	{"厂里停产两个月，变压器申请暂停", "suspend_supply", cases.CrossDepartment},
	{"住宅改成商铺了，电价类别要改", "tariff_category_change", cases.CrossDepartment},
	{"农业用电改成一般工商业", "tariff_category_change", cases.CrossDepartment},
	{"装修想把电表挪个位置", "meter_relocation", cases.CrossDepartment},
	{"移表怎么申请", "meter_relocation", cases.CrossDepartment},
	{"房子拆了要销户", "close_account", cases.CrossDepartment},
	{"电表走得太快了想校验一下", "meter_check", cases.CrossDepartment},
	{"我怀疑电表不准", "meter_check", cases.CrossDepartment},
	{"申请验表", "meter_check", cases.CrossDepartment},
	{"电表效验要多少钱", "meter_check", cases.CrossDepartment},
	{"家里电器都关了电表还在转", "meter_check", cases.CrossDepartment},
	{"抄表员抄错了读数", "meter_reading_dispute", cases.CrossDepartment},
	{"电费单上的示数和电表上的对不上", "meter_reading_dispute", cases.CrossDepartment},
	{"好几个月没人来抄表，都是估抄的", "meter_reading_dispute", cases.CrossDepartment},
	{"这个月电费突然翻倍了", "bill_dispute", cases.CrossDepartment},
	{"电费怎么这么高，平时才一百多", "bill_dispute", cases.CrossDepartment},
	{"家里没人住电费还那么多", "bill_dispute", cases.CrossDepartment},
	{"晚上电压特别低，空调都开不起来", "voltage_quality", cases.CrossDepartment},
	{"电压忽高忽低，灯一闪一闪的", "voltage_quality", cases.CrossDepartment},
	{"电亚不稳", "voltage_quality", cases.CrossDepartment},
	{"家里突然没电了，邻居家有电", "fault_repair", cases.CrossDepartment},
	{"报修了一天了还没人来", "fault_repair", cases.CrossDepartment},
	{"抢修怎么这么慢", "fault_repair", cases.CrossDepartment},
	{"电压突然升高把电视烧坏了，要求赔偿", "appliance_damage", cases.CrossDepartment},
	{"来电的时候冰箱烧了", "appliance_damage", cases.CrossDepartment},
	{"你们施工队半夜施工太吵了", "construction_disturbance", cases.CrossDepartment},
	{"电力施工把路挖了好几天没恢复", "construction_disturbance", cases.CrossDepartment},
	{"路边电线杆歪了快倒了", "damaged_line", cases.CrossDepartment},
	{"有根电线断了掉在地上", "damaged_line", cases.CrossDepartment},
	{"树枝压着电线", "damaged_line", cases.CrossDepartment},
	{"我要举报隔壁厂偷电", "theft_report", cases.CrossDepartment},
	{"我要投诉你们的工作人员态度差", "service_complaint", cases.CrossDepartment},
	{"抄表员态度恶劣，我要投诉", "service_complaint", cases.CrossDepartment},
	{"上次来办事被推来推去的", "service_complaint", cases.CrossDepartment},

	// 需审批 needs_approval
	{"违约金能不能免了", "late_fee_waiver", cases.NeedsApproval},
	{"滞纳金太多了，申请减免", "late_fee_waiver", cases.NeedsApproval},
	{"晚交了几天就收违约今", "late_fee_waiver", cases.NeedsApproval},
	{"这个月手头紧，电费能缓几天吗", "deferred_payment", cases.NeedsApproval},
	{"公司资金困难，申请延期缴费，先别停电", "deferred_payment", cases.NeedsApproval},
	{"能分期交电费吗", "deferred_payment", cases.NeedsApproval},
	{"多交了电费想退回来", "refund", cases.NeedsApproval},
	{"销户了余额怎么退", "refund", cases.NeedsApproval},
	{"银行重复扣了两次电费", "refund", cases.NeedsApproval},
	{"我家是低保户，有没有电费优惠", "hardship_discount", cases.NeedsApproval},
	{"五保户免费电量怎么申请", "hardship_discount", cases.NeedsApproval},
	{"残疾人家庭用电有补贴吗", "hardship_discount", cases.NeedsApproval},
	{"户主去世了，过户需要什么", "special_transfer", cases.NeedsApproval},
	{"原房主联系不上，电表怎么过户", "special_transfer", cases.NeedsApproval},
	{"没有房产证能过户吗", "special_transfer", cases.NeedsApproval},
	{"厂子下周就要开工，能不能加急送电", "expedite_connection", cases.NeedsApproval},
	{"报装能不能特事特办优先处理", "expedite_connection", cases.NeedsApproval},
	{"我妈瘫痪在床来不了，能上门办理吗", "home_service", cases.NeedsApproval},
	{"老人行动不便，请求上门服务", "home_service", cases.NeedsApproval},

	// 不予受理 must_refuse
	{"帮我查查邻居家用了多少电", "other_account_privacy", cases.MustRefuse},
	{"我想看看隔壁的电费交了没有", "other_account_privacy", cases.MustRefuse},
	{"把我前夫那个户的缴费记录打出来", "other_account_privacy", cases.MustRefuse},
	{"查一下楼上那家的户主电话", "other_account_privacy", cases.MustRefuse},
	{"能不能把电表调慢一点", "meter_tampering", cases.MustRefuse},
	{"帮我把表改一下让它少走点", "meter_tampering", cases.MustRefuse},
	{"我想自己把电表拆了挪个地方", "meter_tampering", cases.MustRefuse},
	{"电表能不能从表前直接接一根线", "meter_tampering", cases.MustRefuse},
	{"有没有办法让电表不走字", "meter_tampering", cases.MustRefuse},
	{"我想把我家的电转卖给隔壁", "power_resale", cases.MustRefuse},
	{"从我厂里拉根线给隔壁厂用，按度收他们钱", "power_resale", cases.MustRefuse},
	{"发票金额能不能多开点", "inflated_invoice", cases.MustRefuse},
	{"开票的时候帮我开高一点，报销用", "inflated_invoice", cases.MustRefuse},
	{"帮我开一张一万块的电费发票，实际没交那么多", "inflated_invoice", cases.MustRefuse},
	{"把我欠费的记录删掉", "delete_records", cases.MustRefuse},
	{"能不能把违约记录消除了", "delete_records", cases.MustRefuse},
	{"缴费记录帮我改一下日期", "delete_records", cases.MustRefuse},
	{"家里插座没电了，派个电工来修一下", "inside_premises", cases.MustRefuse},
	{"屋里的电线老化了，你们能来换吗", "inside_premises", cases.MustRefuse},
	{"家里灯不亮了帮我修修", "inside_premises", cases.MustRefuse},
	{"把你们内部的考核文件给我看看", "internal_documents", cases.MustRefuse},
	{"把那个工作人员的身份证号和家庭住址给我", "staff_privacy", cases.MustRefuse},
	{"我有急事，能不能让我先办", "queue_jump", cases.MustRefuse},
	{"不想排队，直接给我办了吧", "queue_jump", cases.MustRefuse},
	{"插个队行吗", "queue_jump", cases.MustRefuse},
	{"我们厂用电量这么大，电价能不能便宜点", "price_negotiation", cases.MustRefuse},
	{"电价太贵了，能给个优惠价吗", "price_negotiation", cases.MustRefuse},
	{"给我们打个折吧", "price_negotiation", cases.MustRefuse},
}

var heldOut1 = []phrasing{
	{"我想交个电费", "pay_bill", cases.Immediate},
	{"电费在哪儿交啊", "pay_bill", cases.Immediate},
	{"帮我开下上季度的电费票", "invoice", cases.Immediate},
	{"给我打张发票，单位要报账", "invoice", cases.Immediate},
	{"能不能绑个银行卡每月自动交电费", "bank_debit", cases.Immediate},
	{"我想在手机上收电费账单", "e_bill", cases.Immediate},
	{"卡表没钱了，充两百", "card_topup", cases.Immediate},
	{"因为欠费被停了电，现在钱交了，啥时候能来电", "reconnect_after_payment", cases.Immediate},
	{"电价分几档", "tariff_enquiry", cases.Immediate},
	{"谷电是几点到几点", "tou_tariff", cases.Immediate},
	{"我这个月用了几度电", "usage_query", cases.Immediate},
	{"能帮我查下家里还有多少电费余额吗", "usage_query", cases.Immediate},
	{"打印一下今年的用电明细", "usage_statement", cases.Immediate},
	{"下个星期二会不会停电", "outage_info", cases.Immediate},
	{"停电通知在哪能看到", "outage_info", cases.Immediate},
	{"掌上电力绑不了户号", "app_help", cases.Immediate},
	{"房子卖了，电要转到买家名下", "name_transfer", cases.Immediate},
	{"我们单位换了名字，电费户名要变更", "rename", cases.Immediate},
	{"留的电话号码要改一下", "contact_update", cases.Immediate},
	{"装表申请交了半个月了，还没动静", "connection_progress", cases.Immediate},
	{"你们这个厅空调太冷了，提个意见", "suggestion", cases.Immediate},
	{"新建的厂房需要通电，要装专用变压器", "hv_connection", cases.CrossDepartment},
	{"自建房盖好了，怎么申请通电", "lv_connection", cases.CrossDepartment},
	{"家里要装充电桩，要准备什么", "ev_charger", cases.CrossDepartment},
	{"想在楼顶装太阳能发电", "rooftop_pv", cases.CrossDepartment},
	{"盖房子需要用几个月的临时电", "temp_power", cases.CrossDepartment},
	{"店面不做了，电暂停几个月", "suspend_supply", cases.CrossDepartment},
	{"我家改成民宿了，电价要变吗", "tariff_category_change", cases.CrossDepartment},
	{"电表箱挡门了，想移一下", "meter_relocation", cases.CrossDepartment},
	{"人搬走了，这个户要注销", "close_account", cases.CrossDepartment},
	{"感觉电表不太准，想测一下", "meter_check", cases.CrossDepartment},
	{"电表转得飞快", "meter_check", cases.CrossDepartment},
	{"抄的度数跟我家表上的不一样", "meter_reading_dispute", cases.CrossDepartment},
	{"这两个月电费贵得离谱", "bill_dispute", cases.CrossDepartment},
	{"我家一个月用了八百度电，怎么可能", "bill_dispute", cases.CrossDepartment},
	{"家里电压不够，热水器带不起来", "voltage_quality", cases.CrossDepartment},
	{"整栋楼都没电了，快派人来", "fault_repair", cases.CrossDepartment},
	{"打了95598报修，到现在还没人来", "fault_repair", cases.CrossDepartment},
	{"打雷后家里电视坏了，是不是你们的问题", "appliance_damage", cases.CrossDepartment},
	{"小区门口的电力施工灰尘太大", "construction_disturbance", cases.CrossDepartment},
	{"路口那个变压器一直在冒烟", "damaged_line", cases.CrossDepartment},
	{"电线杆上的线垂得很低，快碰到车了", "damaged_line", cases.CrossDepartment},
	{"对面饭店好像在偷电", "theft_report", cases.CrossDepartment},
	{"你们营业员态度太差了", "service_complaint", cases.CrossDepartment},
	{"我就晚了两天交，违约金能不能少收点", "late_fee_waiver", cases.NeedsApproval},
	{"最近生意不好，电费能不能晚点交", "deferred_payment", cases.NeedsApproval},
	{"交错户号了，钱能退回来吗", "refund", cases.NeedsApproval},
	{"我是残疾人，用电有没有照顾政策", "hardship_discount", cases.NeedsApproval},
	{"我爸去世了，电费户名想改成我", "special_transfer", cases.NeedsApproval},
	{"工厂急着投产，送电能快点吗", "expedite_connection", cases.NeedsApproval},
	{"老人家九十多岁了来不了营业厅，能不能派人上门", "home_service", cases.NeedsApproval},
	{"把隔壁王阿姨家的户号告诉我", "other_account_privacy", cases.MustRefuse},
	{"能不能把封印拆了我自己接个线", "meter_tampering", cases.MustRefuse},
	{"电表倒着走有没有办法", "meter_tampering", cases.MustRefuse},
	{"想把多余的电卖给楼下的邻居", "power_resale", cases.MustRefuse},
	{"发票上的金额能写多一点吗", "inflated_invoice", cases.MustRefuse},
	{"我想把欠费记录从系统里消掉", "delete_records", cases.MustRefuse},
	{"厨房的开关坏了能派人来修吗", "inside_premises", cases.MustRefuse},
	{"把你们的内部文件复印一份给我", "internal_documents", cases.MustRefuse},
	{"我赶火车，先给我办一下行不行", "queue_jump", cases.MustRefuse},
	{"我们是大户，电价给优惠点", "price_negotiation", cases.MustRefuse},
}

var heldOut2 = []phrasing{
	{"每个月电费怎么交最方便", "pay_bill", cases.Immediate},
	{"给孩子学校交的电费要开票", "invoice", cases.Immediate},
	{"我要换个扣电费的银行", "bank_debit", cases.Immediate},
	{"以后账单不要寄纸的了", "e_bill", cases.Immediate},
	{"插卡电表的卡怎么充钱", "card_topup", cases.Immediate},
	{"电费交了怎么还不来电", "reconnect_after_payment", cases.Immediate},
	{"一年用多少度电会到第二档", "tariff_enquiry", cases.Immediate},
	{"峰谷电办了以后白天是不是更贵", "tou_tariff", cases.Immediate},
	{"帮我看一下上个月电费多少", "usage_query", cases.Immediate},
	{"我要一份近半年的电费清单", "usage_statement", cases.Immediate},
	{"听说后天要停电，是真的吗", "outage_info", cases.Immediate},
	{"网上国网的账号忘了密码", "app_help", cases.Immediate},
	{"我刚买的房子，电表户主还是以前的人", "name_transfer", cases.Immediate},
	{"公司名称变了，营业执照也换了", "rename", cases.Immediate},
	{"麻烦把联系人改成我女儿", "contact_update", cases.Immediate},
	{"我去年申请的光伏，现在办到什么程度了", "connection_progress", cases.Immediate},
	{"新开的饭馆需要接电", "lv_connection", cases.CrossDepartment},
	{"家里电器多了，总是跳闸，要加大容量", "lv_capacity", cases.CrossDepartment},
	{"我们公司要新上一台1000kVA的变压器", "hv_connection", cases.CrossDepartment},
	{"小区车位能装充电桩吗", "ev_charger", cases.CrossDepartment},
	{"太阳能发的电能卖钱吗", "rooftop_pv", cases.CrossDepartment},
	{"拍电影需要临时接个电", "temp_power", cases.CrossDepartment},
	{"厂子放假，想把变压器停一段时间", "suspend_supply", cases.CrossDepartment},
	{"商铺租给人开超市了，电价要换成商业的", "tariff_category_change", cases.CrossDepartment},
	{"电表装在别人家院子里，想迁出来", "meter_relocation", cases.CrossDepartment},
	{"这房子以后不住了，电表可以拆了吗", "close_account", cases.CrossDepartment},
	{"电表好像有毛病，每天跑二十多度", "meter_check", cases.CrossDepartment},
	{"这个月的读数明显抄多了", "meter_reading_dispute", cases.CrossDepartment},
	{"电费单上的金额和App上不一样", "bill_dispute", cases.CrossDepartment},
	{"一到晚上灯就很暗", "voltage_quality", cases.CrossDepartment},
	{"我们这片停电三个小时了还没来", "fault_repair", cases.CrossDepartment},
	{"突然来电把我家电脑烧了，谁负责", "appliance_damage", cases.CrossDepartment},
	{"挖电缆的把我家门口水管挖断了", "construction_disturbance", cases.CrossDepartment},
	{"马路边的电箱门一直开着", "damaged_line", cases.CrossDepartment},
	{"楼下小卖部私拉电线", "theft_report", cases.CrossDepartment},
	{"我对你们的处理结果很不满意，要找领导", "service_complaint", cases.CrossDepartment},
	{"违约金是怎么算的，能退吗", "late_fee_waiver", cases.NeedsApproval},
	{"电费先欠着，下个月发工资一起交", "deferred_payment", cases.NeedsApproval},
	{"预存的钱还剩两百，能退吗", "refund", cases.NeedsApproval},
	{"特困户电费有减免吗", "hardship_discount", cases.NeedsApproval},
	{"房主在国外回不来，怎么过户", "special_transfer", cases.NeedsApproval},
	{"能不能特批一下先送电", "expedite_connection", cases.NeedsApproval},
	{"我腿脚不好，你们能到家里来办吗", "home_service", cases.NeedsApproval},
	{"把我隔壁邻居的电费单给我看看", "other_account_privacy", cases.MustRefuse},
	{"表里的封条能不能撕掉", "meter_tampering", cases.MustRefuse},
	{"我家的电可以分给隔壁用吗，他给我钱", "power_resale", cases.MustRefuse},
	{"发票能开成别的公司名字吗", "inflated_invoice", cases.MustRefuse},
	{"帮我把欠费记录改成已交", "delete_records", cases.MustRefuse},
	{"家里的电线短路了，你们来个人", "inside_premises", cases.MustRefuse},
	{"你们内部的工作手册给我复印一份", "internal_documents", cases.MustRefuse},
	{"我就问一句话，让我先问行不行", "queue_jump", cases.MustRefuse},
	{"电价能不能再降一点", "price_negotiation", cases.MustRefuse},
}

var heldOut3 = []phrasing{
	{"师傅，俺家那个电费咋交嘞", "pay_bill", cases.Immediate},
	{"我在外地，能帮我老家的房子交电费吗", "pay_bill", cases.Immediate},
	{"单位财务要电费的专票，抬头是XX有限公司", "invoice", cases.Immediate},
	{"以前是工行代扣，现在想换成建行", "bank_debit", cases.Immediate},
	{"纸质账单老是收不到，能改成发短信吗", "e_bill", cases.Immediate},
	{"我家的电卡插进去显示余额不足", "card_topup", cases.Immediate},
	{"夏天用空调多，电价会不会跳到第三档", "tariff_enquiry", cases.Immediate},
	{"分时电价对我家划算吗", "tou_tariff", cases.Immediate},
	{"能不能帮我看看今年总共用了多少电", "usage_query", cases.Immediate},
	{"我要去银行贷款，需要近一年的电费缴纳证明", "usage_statement", cases.Immediate},
	{"咱们这边什么时候检修停电啊", "outage_info", cases.Immediate},
	{"App里的户号绑错了，想解绑", "app_help", cases.Immediate},
	{"父母的房子过到我名下，电表户名也要改", "name_transfer", cases.Immediate},
	{"手机停机了，以后打我老公的电话", "contact_update", cases.Immediate},
	{"我们餐馆要多加几台冰柜，现在的电不够用", "lv_capacity", cases.CrossDepartment},
	{"新盖了个仓库，要拉一路电", "lv_connection", cases.CrossDepartment},
	{"开发区新厂，要申请双电源供电", "hv_connection", cases.CrossDepartment},
	{"租的房子能装充电桩吗，房东同意了", "ev_charger", cases.CrossDepartment},
	{"光伏板装好了，什么时候来并网验收", "rooftop_pv", cases.CrossDepartment},
	{"婚礼现场需要接临时电源", "temp_power", cases.CrossDepartment},
	{"厂子停工半年，基本电费还要交吗", "suspend_supply", cases.CrossDepartment},
	{"店铺改成仓库了，电价是不是要变", "tariff_category_change", cases.CrossDepartment},
	{"电表在卧室外面，想挪到楼道里", "meter_relocation", cases.CrossDepartment},
	{"这个户头不用了，帮我销了", "close_account", cases.CrossDepartment},
	{"我觉得这个表有问题，晚上不用电它也跳字", "meter_check", cases.CrossDepartment},
	{"你们抄表的是不是根本没来看过", "meter_reading_dispute", cases.CrossDepartment},
	{"上个月才80，这个月电费变成300多", "bill_dispute", cases.CrossDepartment},
	{"开个空调灯就暗下来", "voltage_quality", cases.CrossDepartment},
	{"下大雨以后我们整个村都停电了", "fault_repair", cases.CrossDepartment},
	{"电线被风刮断了，在冒火花", "damaged_line", cases.CrossDepartment},
	{"我想反映有人偷接电", "theft_report", cases.CrossDepartment},
	{"窗口的人爱答不理的", "service_complaint", cases.CrossDepartment},
	{"违约金我不认，又不是我故意晚交的", "late_fee_waiver", cases.NeedsApproval},
	{"公司账上暂时没钱，能宽限一周吗", "deferred_payment", cases.NeedsApproval},
	{"房子卖了，预存的电费怎么拿回来", "refund", cases.NeedsApproval},
	{"户主是我爷爷，已经走了好几年了", "special_transfer", cases.NeedsApproval},
	{"能不能给我们开个绿色通道，先把电送上", "expedite_connection", cases.NeedsApproval},
	{"我坐轮椅不方便过来，你们能派人到家吗", "home_service", cases.NeedsApproval},
	{"我想知道对门一个月用多少电", "other_account_privacy", cases.MustRefuse},
	{"教我怎么让电表少走点", "meter_tampering", cases.MustRefuse},
	{"我想给邻居家接个电，收点电费", "power_resale", cases.MustRefuse},
	{"这两个月的发票合成一张，金额写多点", "inflated_invoice", cases.MustRefuse},
	{"能把我家以前欠费的事从记录里去掉吗", "delete_records", cases.MustRefuse},
	{"卫生间的插座冒火花了", "inside_premises", cases.MustRefuse},
	{"把你们主任的手机号给我", "staff_privacy", cases.MustRefuse},
	{"我是VIP客户，不用排队吧", "queue_jump", cases.MustRefuse},
}

// TestPhrasingAccuracy runs every phrasing against the default catalog and
// fails when fewer than 95% find their item. A weak match counts as right
// when its best candidate is right (the clerk confirms it among the
// candidates). It also reports the confidently wrong answers — a wrong item
// that was not flagged weak — which are the ones a clerk might act on.
func TestPhrasingAccuracy(t *testing.T) {
	cat := cases.DefaultCatalog()
	total, right, classRight, weak, confidentlyWrong := 0, 0, 0, 0, 0
	for _, b := range batches {
		bRight := 0
		for _, p := range b.rows {
			total++
			it, ok := cat.Item(p.item)
			if !ok {
				t.Errorf("%q: expected item %s is not in the catalog", p.text, p.item)
				continue
			}
			if it.Class != p.class {
				t.Errorf("%q: the table says %s is %s, the catalog says %s", p.text, p.item, p.class, it.Class)
			}
			r, err := cat.Classify("", p.text)
			if err != nil {
				t.Logf("MISS %q: want %s, got error: %v", p.text, p.item, err)
				continue
			}
			if r.Weak {
				weak++
			}
			if r.Class == p.class {
				classRight++
			}
			if r.Item == p.item {
				right++
				bRight++
				if r.Weak {
					t.Logf("weak %q → %s (%.2f): %s", p.text, r.Item, r.Confidence, r.Why)
				}
				continue
			}
			if !r.Weak {
				confidentlyWrong++
			}
			t.Logf("MISS %q: want %s, got %s (%.2f): %s", p.text, p.item, r.Item, r.Confidence, r.Why)
		}
		t.Logf("%-9s %3d/%3d = %5.1f%%", b.name, bRight, len(b.rows), 100*float64(bRight)/float64(len(b.rows)))
	}
	if total < 80 {
		t.Fatalf("only %d phrasings, want at least 80", total)
	}
	acc := float64(right) / float64(total)
	t.Logf("accuracy: %d/%d items = %.1f%%; class right %d/%d = %.1f%%; weak %d; confidently wrong %d",
		right, total, 100*acc, classRight, total, 100*float64(classRight)/float64(total), weak, confidentlyWrong)
	if acc < 0.95 {
		t.Errorf("accuracy %.1f%% is below 95%%", 100*acc)
	}
}
