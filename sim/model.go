// Package sim writes realistic history into a hall's store by driving the
// real queue engine (queue.Engine) through simulated days: time-varying
// Poisson arrivals with an hour-of-day, weekday and day-of-month shape
// (payment peaks in the first days of the month and at lunch, quiet
// weekends), a service mix, log-normal service times per service, counters
// opened by a schedule, clerks who pause for lunch and briefly during the
// day, no-shows, transfers, customers who give up, and business items (case
// classes) from the hall's case catalog. Every event comes from an engine
// command and is committed, a day per transaction, with store.Commit.
//
// The same discrete-event core replays observed arrivals under a different
// counter schedule for the reports' what-if (Replay).
//
// Everything is deterministic for a seed.
package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"hallq/casework/cases"
	"hallq/queue"
)

// Profile is the shape of a simulated hall.
type Profile struct {
	Name string
	// PerDay is the mean number of customers on an ordinary weekday (day
	// of month factor 1).
	PerDay float64
	// Counters the hall has when the simulator creates it.
	Counters int
	// Mix is each service's share of arrivals; ServiceS its mean service
	// time in seconds (log-normal, coefficient of variation CV).
	Mix      map[string]float64
	ServiceS map[string]float64
	CV       float64
}

// Profiles are the built-in profiles: a small town hall (about 250 customers
// a day, 6 counters) and a large city hall (about 3,000 a day, 36 counters).
var Profiles = map[string]Profile{
	"small": {Name: "small", PerDay: 300, Counters: 6, CV: 0.6,
		Mix:      map[string]float64{"A": 0.44, "B": 0.07, "C": 0.10, "D": 0.22, "E": 0.12, "F": 0.05},
		ServiceS: map[string]float64{"A": 170, "B": 840, "C": 560, "D": 230, "E": 450, "F": 660}},
	"large": {Name: "large", PerDay: 3100, Counters: 40, CV: 0.55,
		Mix:      map[string]float64{"A": 0.30, "G": 0.26, "B": 0.05, "C": 0.07, "D": 0.19, "E": 0.08, "F": 0.05},
		ServiceS: map[string]float64{"A": 110, "G": 80, "B": 600, "C": 400, "D": 130, "E": 300, "F": 420}},
}

// hourShape is the relative arrival rate by local time (half-hour steps from
// 08:00): a morning peak, a lunch-time payment peak, a quieter afternoon.
var hourShape = []float64{
	0.6, 1.0, // 08:00 08:30
	1.45, 1.6, // 09:00 09:30
	1.5, 1.2, // 10:00 10:30
	1.05, 1.0, // 11:00 11:30
	1.35, 1.45, // 12:00 12:30
	1.2, 0.9, // 13:00 13:30
	0.85, 0.85, // 14:00 14:30
	0.9, 0.95, // 15:00 15:30
	0.85, 0.7, // 16:00 16:30
	0.5, 0.3, // 17:00 17:30
}

func shapeAt(sec int) float64 {
	i := (sec - 8*3600) / 1800
	if i < 0 || i >= len(hourShape) {
		return 0.3
	}
	return hourShape[i]
}

// weekdayFactor by ISO weekday: Monday busiest, weekends quiet.
var weekdayFactor = [8]float64{0, 1.15, 1.0, 0.95, 0.97, 1.05, 0.5, 0.38}

// domFactor: bills arrive at the start of the month, so the first five days
// are the payment peak; payment (A) takes most of the extra.
func domFactor(dom int) (all, payment float64) {
	switch {
	case dom <= 3:
		return 1.55, 2.1
	case dom <= 5:
		return 1.35, 1.75
	case dom <= 8:
		return 1.1, 1.25
	case dom >= 26:
		return 1.05, 1.1
	}
	return 1, 1
}

// logNormal draws a log-normal value with the given mean and coefficient of
// variation.
func logNormal(r *rand.Rand, mean, cv float64) float64 {
	s2 := math.Log(1 + cv*cv)
	mu := math.Log(mean) - s2/2
	return math.Exp(mu + math.Sqrt(s2)*r.NormFloat64())
}

// poisson draws a Poisson count with mean l (Knuth; l is small here).
func poisson(r *rand.Rand, l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 30 {
		return max(0, int(math.Round(l+math.Sqrt(l)*r.NormFloat64())))
	}
	L, k, p := math.Exp(-l), 0, 1.0
	for {
		p *= r.Float64()
		if p <= L {
			return k
		}
		k++
	}
}

// itemPicker chooses a business item for a service: mostly the immediate
// items, sometimes one that needs another department, an approval or a
// refusal, as the catalog classes them.
type itemPicker struct {
	items map[string][]cases.Item
	cum   map[string][]float64
}

func newItemPicker(services []string) itemPicker {
	cat := cases.DefaultCatalog()
	p := itemPicker{items: map[string][]cases.Item{}, cum: map[string][]float64{}}
	for _, s := range services {
		its := cat.ItemsFor(s)
		total := 0.0
		var cum []float64
		for _, it := range its {
			w := 1.0
			switch it.Class {
			case cases.Immediate:
				w = 10
			case cases.CrossDepartment:
				w = 1.5
			case cases.NeedsApproval:
				w = 0.6
			case cases.MustRefuse:
				w = 0.4
			}
			total += w
			cum = append(cum, total)
		}
		p.items[s], p.cum[s] = its, cum
	}
	return p
}

func (p itemPicker) item(id string) (cases.Item, bool) {
	for _, its := range p.items {
		for _, it := range its {
			if it.ID == id {
				return it, true
			}
		}
	}
	return cases.Item{}, false
}

func (p itemPicker) pick(r *rand.Rand, service string) string {
	cum := p.cum[service]
	if len(cum) == 0 {
		return ""
	}
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return p.items[service][min(i, len(cum)-1)].ID
}

var clerkNames = []string{"王丽", "李强", "张敏", "刘洋", "陈静", "赵建国", "孙悦", "周涛", "吴芳", "郑凯",
	"冯雪", "陈晨", "褚磊", "卫华", "蒋琳", "沈阳", "韩梅", "杨帆", "朱婷", "秦川", "许诺", "何佳", "吕明", "施雨",
	"张伟", "孔丽", "曹阳", "严静", "华强", "金鑫", "魏然", "陶冶", "姜楠", "戚薇", "谢磊", "邹敏", "喻晓", "柏林",
	"水清", "窦娟", "章程", "云飞", "苏珊", "潘越", "葛优", "奚望"}

// clerkOf is the n-th clerk of the hall (1-based).
func clerkOf(n int) queue.Clerk {
	return queue.Clerk{User: fmt.Sprintf("clerk%d", n), Name: clerkNames[(n-1)%len(clerkNames)], StaffNo: fmt.Sprintf("GD%04d", 1000+n)}
}

// LargeConfig is the hall the large profile creates: the default services,
// an express payment line (G, so that payment numbers stay within 999 a
// day) and 40 counters in groups (payment, express payment, enquiries,
// connections and changes, meters, duty manager).
func LargeConfig(base queue.Config) queue.Config {
	c := base
	c.NameZH, c.NameEN = "国网示范供电营业厅（城区中心厅）", "State Grid City Centre Service Hall"
	c.Services = slices.Clone(base.Services)
	if !slices.ContainsFunc(c.Services, func(s queue.Service) bool { return s.Prefix == "G" }) {
		c.Services = append(c.Services, queue.Service{Prefix: "G", NameZH: "快速缴费", NameEN: "Express payment",
			DescZH: "只交电费、打印发票", DescEN: "Bill payment and invoices only", TargetWaitS: 600, AvgServiceS: 90,
			Documents: []string{"户号或电费通知单"}})
	}
	c.Counters = nil
	for n := 1; n <= 40; n++ {
		var svcs []string
		var zh, en string
		switch {
		case n <= 14:
			svcs, zh, en = []string{"A", "G", "D"}, "缴费", "Payment"
		case n <= 24:
			svcs, zh, en = []string{"G", "A"}, "快速缴费", "Express payment"
		case n <= 30:
			svcs, zh, en = []string{"D", "A", "G"}, "咨询", "Enquiries"
		case n <= 34:
			svcs, zh, en = []string{"B", "C", "A"}, "业扩", "Connections"
		case n <= 38:
			svcs, zh, en = []string{"E", "C", "D"}, "计量", "Meters"
		default:
			svcs, zh, en = []string{"F", "C", "B"}, "值班长", "Duty manager"
		}
		c.Counters = append(c.Counters, queue.Counter{Number: n, NameZH: fmt.Sprintf("%d号窗口 %s", n, zh),
			NameEN: fmt.Sprintf("Counter %d %s", n, en), Services: svcs})
	}
	return c
}
