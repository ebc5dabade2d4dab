package report

import "math"

// ErlangC is the probability that a customer must wait (Erlang's C formula)
// with n servers and an offered load of a erlangs (arrival rate × mean
// service time). It is 1 when n ≤ a (the queue grows without bound).
func ErlangC(n int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if float64(n) <= a {
		return 1
	}
	// Erlang B by its stable recurrence, then C from B.
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(n) * b / (float64(n) - a*(1-b))
}

// ServiceLevel is the share of customers who wait at most t seconds with n
// servers, offered load a erlangs and mean service time aht seconds.
func ServiceLevel(n int, a, t, aht float64) float64 {
	if a <= 0 {
		return 1
	}
	if float64(n) <= a {
		return 0
	}
	return 1 - ErlangC(n, a)*math.Exp(-(float64(n)-a)*t/aht)
}

// Needed is the fewest servers that serve at least goal (0–1) of customers
// within t seconds, for arrival rate lambda per second and mean service time
// aht seconds; 0 when nobody comes.
func Needed(lambda, aht, t, goal float64) int {
	if lambda <= 0 || aht <= 0 {
		return 0
	}
	a := lambda * aht
	n := max(1, int(math.Floor(a))+1)
	for ; n < 10000; n++ {
		if ServiceLevel(n, a, t, aht) >= goal {
			return n
		}
	}
	return n
}
