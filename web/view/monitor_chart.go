package view

import (
	"fmt"
	"math"
	"strings"
	"time"

	"hallq/report"
)

// DeviceHealth is one paired device as the monitor shows it: connected now
// (a websocket open), when it was last seen connecting or leaving since the
// program started (zero: not since), and a kiosk's printer state.
type DeviceHealth struct {
	ID         string // store.DeviceID
	Name       string
	Kind       string
	Counter    int
	Online     bool
	LastSeen   time.Time
	Printer    string // ready, offline, paper_out, …; "" for devices without one
	PrinterMsg string
}

// chartTick is one labelled axis position.
type chartTick struct {
	Pos   float64
	Label string
}

// chartView is one server-rendered line chart: today against the typical
// day of the same weekday.
type chartView struct {
	W, H, Left, Right, Top, Bottom float64
	Today, Typical                 string // SVG polyline points
	X, Y                           []chartTick
	TodayLast                      string // the latest value today, for the legend
}

const (
	chartW, chartH = 560.0, 210.0
	chartL, chartR = 44.0, 12.0
	chartT, chartB = 12.0, 28.0
)

// monitorChart lays out one series of the curve (queue: true for the queue
// length, else the mean wait in minutes).
func monitorChart(c report.Curve, queue bool) chartView {
	v := chartView{W: chartW, H: chartH, Left: chartL, Right: chartW - chartR, Top: chartT, Bottom: chartH - chartB}
	val := func(p report.CurvePoint) (today, typical float64) {
		if queue {
			return p.Queue, p.TypicalQueue
		}
		return p.WaitS / 60, p.TypicalWaitS / 60
	}
	hi := 0.0
	for _, p := range c.Points {
		a, b := val(p)
		if p.Today {
			hi = math.Max(hi, a)
		}
		if queue {
			hi = math.Max(hi, c.NowQueue)
		}
		hi = math.Max(hi, b)
	}
	step := niceStep(hi / 4)
	top := step * 4
	if len(c.Points) == 0 {
		return v
	}
	lo, span := float64(c.Points[0].AtS), float64(c.Points[len(c.Points)-1].AtS-c.Points[0].AtS)
	if span <= 0 {
		span = 1
	}
	x := func(at int) float64 { return v.Left + (float64(at)-lo)/span*(v.Right-v.Left) }
	y := func(f float64) float64 { return v.Bottom - f/top*(v.Bottom-v.Top) }
	var today, typical []string
	for _, p := range c.Points {
		a, b := val(p)
		if p.Today {
			today = append(today, fmt.Sprintf("%.1f,%.1f", x(p.AtS), y(a)))
			v.TodayLast = trimNum(a)
		}
		if c.Weeks > 0 {
			typical = append(typical, fmt.Sprintf("%.1f,%.1f", x(p.AtS), y(b)))
		}
	}
	if queue && len(today) > 0 && c.NowS > c.Points[0].AtS {
		// Today's line ends at the moment shown, not at its slot's start.
		today = append(today, fmt.Sprintf("%.1f,%.1f", x(min(c.NowS, c.Points[len(c.Points)-1].AtS)), y(c.NowQueue)))
		v.TodayLast = trimNum(c.NowQueue)
	}
	v.Today, v.Typical = strings.Join(today, " "), strings.Join(typical, " ")
	for i := 0; i <= 4; i++ {
		f := step * float64(i)
		v.Y = append(v.Y, chartTick{Pos: y(f), Label: trimNum(f)})
	}
	for _, p := range c.Points {
		if p.AtS%7200 == 0 {
			v.X = append(v.X, chartTick{Pos: x(p.AtS), Label: fmt.Sprintf("%02d:00", p.AtS/3600)})
		}
	}
	return v
}

// niceStep rounds a raw axis step up to 1, 2 or 5 × 10^k (at least 1).
func niceStep(raw float64) float64 {
	if raw <= 1 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func trimNum(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprint(int(f))
	}
	return fmt.Sprintf("%.1f", f)
}

func svgNum(f float64) string { return fmt.Sprintf("%.1f", f) }
