/*
 * The manager's peak-period report (/reports): draws the charts with the
 * embedded Apache ECharts (assets/js/vendor/echarts.min.js, Apache-2.0) from
 * the report JSON the page carries in <script id="rp-data">, switches the
 * staffing table between weekdays, and runs the what-if replay
 * (POST /api/v1/reports/whatif) with the schedule the manager edits.
 * Charts use the SVG renderer so that they print sharp on A4.
 */
(function (window, document) {
	'use strict';
	var P = window.HallPage;
	var echarts = window.echarts;
	var dataEl = document.getElementById('rp-data');
	if (!dataEl || !echarts || !P) return;
	var R = JSON.parse(dataEl.textContent);
	var counters = JSON.parse((document.getElementById('rp-counters') || {}).textContent || '[]');
	var t = P.t;
	var font = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
	var charts = [];
	var step = R.slot_minutes * 60;

	function clock(sec) {
		var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60;
		return (h < 10 ? '0' : '') + h + ':' + (m < 10 ? '0' : '') + m;
	}
	function sec(hhmm) { return Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60; }
	function min1(s) { return Math.round(s / 6) / 10; }
	var wdNames = [1, 2, 3, 4, 5, 6, 7].map(function (d) { return t('rp.wd.' + d); });

	// Staff text is never under 13 px (WCAG audit, TestAccessibility):
	// ECharts' own defaults put axis labels and legends at 12 px.
	var MIN_FONT = 13;
	function atLeast(style) {
		style = style || {};
		if (!style.fontSize || style.fontSize < MIN_FONT) style.fontSize = MIN_FONT;
		return style;
	}
	function readable(option) {
		['xAxis', 'yAxis'].forEach(function (k) {
			[].concat(option[k] || []).forEach(function (a) {
				a.axisLabel = atLeast(a.axisLabel);
				a.nameTextStyle = atLeast(a.nameTextStyle);
			});
		});
		[].concat(option.legend || []).forEach(function (l) { l.textStyle = atLeast(l.textStyle); });
		[].concat(option.visualMap || []).forEach(function (v) { v.textStyle = atLeast(v.textStyle); });
		[].concat(option.title || []).forEach(function (t) { t.textStyle = atLeast(t.textStyle); });
		return option;
	}

	function chart(id, option) {
		var el = document.getElementById(id);
		if (!el) return null;
		var c = echarts.init(el, null, {renderer: 'svg'});
		option.textStyle = {fontFamily: font, fontSize: MIN_FONT};
		option.animation = false;
		readable(option);
		c.setOption(option);
		charts.push(c);
		return c;
	}

	// The slots that occur, from the first to the last with customers.
	var lo = Infinity, hi = -Infinity;
	R.slots.forEach(function (s) { var x = sec(s.start); lo = Math.min(lo, x); hi = Math.max(hi, x); });
	var slotLabels = [];
	if (lo <= hi) for (var x = lo; x <= hi; x += step) slotLabels.push(clock(x));

	function heat(id, title, value, fmt, colors) {
		var data = [], max = 0;
		R.slots.forEach(function (s) {
			var v = value(s);
			max = Math.max(max, v);
			data.push([slotLabels.indexOf(s.start), s.weekday - 1, v]);
		});
		chart(id, {
			title: {text: title, left: 'center', top: 0, textStyle: {fontSize: 15, fontFamily: font}},
			tooltip: {formatter: function (p) { return wdNames[p.value[1]] + ' ' + slotLabels[p.value[0]] + '：' + fmt(p.value[2]); }},
			grid: {left: 44, right: 12, top: 30, bottom: 64},
			xAxis: {type: 'category', data: slotLabels, axisLabel: {interval: R.slot_minutes === 15 ? 3 : 1, rotate: 45, fontSize: 11}, splitArea: {show: true}},
			yAxis: {type: 'category', data: wdNames, inverse: true, axisLabel: {fontSize: 12}},
			// The legend's ends carry their numbers (0 … the largest).
			visualMap: {min: 0, max: max || 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, itemWidth: 12,
				text: [fmt(max), fmt(0)],
				inRange: {color: colors}, textStyle: {fontSize: 11}, formatter: function (v) { return fmt(v); }},
			series: [{type: 'heatmap', data: data, label: {show: false}}]
		});
	}
	var warm = ['#f4faf9', '#bfe3de', '#5fb3a8', '#00796b', '#004d40'];
	var hot = ['#fffbe6', '#ffe08a', '#ffab40', '#f4511e', '#b71c1c'];
	heat('ch-arrivals', t('rp.ch.arrivals'), function (s) { return s.arrivals_per_day; }, function (v) { return (Math.round(v * 10) / 10) + ''; }, warm);
	heat('ch-avg', t('rp.ch.avg'), function (s) { return min1(s.avg_wait_s); }, function (v) { return v + ' ' + t('rp.min'); }, hot);
	heat('ch-p90', t('rp.ch.p90'), function (s) { return min1(s.p90_wait_s); }, function (v) { return v + ' ' + t('rp.min'); }, hot);

	chart('ch-month', {
		title: {text: t('rp.ch.month'), left: 'center', textStyle: {fontSize: 15, fontFamily: font}},
		tooltip: {trigger: 'axis'},
		legend: {bottom: 0, data: [t('rp.ch.arrivals'), t('rp.ch.avg'), t('rp.ch.p90')]},
		grid: {left: 48, right: 48, top: 56, bottom: 48},
		xAxis: {type: 'category', data: R.month_days.map(function (d) { return d.day + t('rp.day'); })},
		yAxis: [{type: 'value', name: t('rp.ch.arrivals'), nameTextStyle: {fontSize: 11}}, {type: 'value', name: t('rp.min'), splitLine: {show: false}}],
		series: [
			{name: t('rp.ch.arrivals'), type: 'bar', data: R.month_days.map(function (d) { return d.arrivals_per_day; }), itemStyle: {color: '#80cbc4'}},
			{name: t('rp.ch.avg'), type: 'line', yAxisIndex: 1, data: R.month_days.map(function (d) { return min1(d.avg_wait_s); }), itemStyle: {color: '#f4511e'}},
			{name: t('rp.ch.p90'), type: 'line', yAxisIndex: 1, lineStyle: {type: 'dashed'}, data: R.month_days.map(function (d) { return min1(d.p90_wait_s); }), itemStyle: {color: '#b71c1c'}}
		]
	});

	chart('ch-queue', {
		title: {text: t('rp.ch.queue'), left: 'center', textStyle: {fontSize: 15, fontFamily: font}},
		tooltip: {trigger: 'axis'},
		legend: {bottom: 0, data: [t('rp.ch.queue_avg'), t('rp.ch.queue_max')]},
		grid: {left: 44, right: 16, top: 56, bottom: 48},
		xAxis: {type: 'category', data: R.queue_length.map(function (q) { return q.at; })},
		yAxis: {type: 'value'},
		series: [
			{name: t('rp.ch.queue_avg'), type: 'line', areaStyle: {opacity: .25}, data: R.queue_length.map(function (q) { return q.avg; }), itemStyle: {color: '#00796b'}},
			{name: t('rp.ch.queue_max'), type: 'line', lineStyle: {type: 'dashed'}, data: R.queue_length.map(function (q) { return q.max; }), itemStyle: {color: '#f4511e'}}
		]
	});

	// Staffing: needed vs open for one weekday; the table follows the choice.
	var staffChart = chart('ch-staff', {});
	function showStaff(wd) {
		var rows = R.staffing.filter(function (s) { return s.weekday === wd; });
		staffChart && staffChart.setOption(readable({
			title: {text: t('rp.ch.staff') + ' · ' + wdNames[wd - 1], left: 'center', textStyle: {fontSize: 15, fontFamily: font}},
			tooltip: {trigger: 'axis'},
			legend: {bottom: 0, data: [t('rp.c.needed'), t('rp.c.open'), t('rp.k.avg')]},
			grid: {left: 44, right: 48, top: 56, bottom: 48},
			xAxis: {type: 'category', data: rows.map(function (s) { return s.start; })},
			yAxis: [{type: 'value', name: t('rp.c.counter'), minInterval: 1}, {type: 'value', name: t('rp.min'), splitLine: {show: false}}],
			series: [
				{name: t('rp.c.needed'), type: 'bar', data: rows.map(function (s) {
					return {value: s.needed, itemStyle: {color: s.gap >= 0.5 ? '#d32f2f' : '#80cbc4'}};
				})},
				{name: t('rp.c.open'), type: 'line', step: 'middle', data: rows.map(function (s) { return s.open; }), itemStyle: {color: '#004d40'}, lineStyle: {width: 3}},
				{name: t('rp.k.avg'), type: 'line', yAxisIndex: 1, data: rows.map(function (s) { return min1(s.avg_wait_s); }), itemStyle: {color: '#f4511e'}, lineStyle: {type: 'dotted'}}
			]
		}), true);
		document.querySelectorAll('.rp-staff tbody tr').forEach(function (tr) {
			tr.classList.toggle('rp-hide', Number(tr.dataset.wd) !== wd);
		});
		document.querySelectorAll('.rp-wd').forEach(function (b) { b.classList.toggle('on', Number(b.dataset.wd) === wd); });
	}
	document.querySelectorAll('.rp-wd').forEach(function (b) {
		b.addEventListener('click', function () { showStaff(Number(b.dataset.wd)); });
	});
	showStaff(1);

	// What-if.
	var tbody = document.querySelector('#wi-shifts tbody');
	var status = document.getElementById('wi-status');
	var wiChart = null;
	function dayOptions(sel) {
		var opts = [['1,2,3,4,5', t('rp.workdays')], ['6,7', t('rp.weekends')], ['', t('rp.everyday')]];
		return opts.map(function (o) {
			return '<option value="' + o[0] + '"' + (o[0] === sel ? ' selected' : '') + '>' + o[1] + '</option>';
		}).join('');
	}
	function addRow(s) {
		var tr = document.createElement('tr');
		var copts = counters.map(function (c) {
			return '<option value="' + c.number + '"' + (c.number === s.counter ? ' selected' : '') + '>' + P.name(c.name_zh, c.name_en) + '</option>';
		}).join('');
		tr.innerHTML = '<td><select class="wi-c">' + copts + '</select></td><td><select class="wi-d">' + dayOptions((s.weekdays || []).join(',')) +
			'</select></td><td><input class="wi-o" type="time" step="900" value="' + s.open + '"></td><td><input class="wi-x" type="time" step="900" value="' + s.close +
			'"></td><td><button type="button" class="mg-btn wi-del">' + t('rp.remove') + '</button></td>';
		tr.querySelector('.wi-del').addEventListener('click', function () { tr.remove(); });
		tbody.appendChild(tr);
	}
	function shifts() {
		return Array.prototype.map.call(tbody.querySelectorAll('tr'), function (tr) {
			var d = tr.querySelector('.wi-d').value;
			return {counter: Number(tr.querySelector('.wi-c').value), open: tr.querySelector('.wi-o').value, close: tr.querySelector('.wi-x').value,
				weekdays: d ? d.split(',').map(Number) : []};
		});
	}
	function kpiHTML(label, real, pred) {
		return '<div class="rp-kpi"><span>' + label + '</span><b>' + pred + '</b><small>' + t('rp.whatif.real') + ' ' + real + '</small></div>';
	}
	function showWhatIf(w) {
		var box = document.getElementById('wi-summary');
		box.innerHTML = kpiHTML(t('rp.k.avg') + ' · ' + t('rp.whatif.pred'), min1(w.real.avg_wait_s) + ' ' + t('rp.min'), min1(w.predicted.avg_wait_s) + ' ' + t('rp.min')) +
			kpiHTML(t('rp.k.p90') + ' · ' + t('rp.whatif.pred'), min1(w.real.p90_wait_s) + ' ' + t('rp.min'), min1(w.predicted.p90_wait_s) + ' ' + t('rp.min')) +
			kpiHTML(t('rp.k.sl') + ' · ' + t('rp.whatif.pred'), (w.real.service_level * 100).toFixed(1) + '%', (w.predicted.service_level * 100).toFixed(1) + '%') +
			kpiHTML(t('rp.c.openh') + ' · ' + t('rp.whatif.pred'), w.real.counter_hours, w.predicted.counter_hours);
		// Mean over weekdays 1–5 by slot, so the chart stays readable.
		var bySlot = {};
		w.slots.forEach(function (s) {
			if (s.weekday > 5) return;
			var b = bySlot[s.start] || (bySlot[s.start] = {n: 0, r: 0, p: 0});
			b.n += s.arrivals; b.r += s.real_avg_wait_s * s.arrivals; b.p += s.predicted_avg_wait_s * s.arrivals;
		});
		var keys = Object.keys(bySlot).sort();
		if (!wiChart) wiChart = chart('ch-whatif', {});
		wiChart.setOption(readable({
			title: {text: t('rp.ch.whatif') + ' · ' + t('rp.workdays'), left: 'center', textStyle: {fontSize: 15, fontFamily: font}},
			tooltip: {trigger: 'axis'},
			legend: {bottom: 0, data: [t('rp.whatif.real'), t('rp.whatif.pred')]},
			grid: {left: 44, right: 16, top: 56, bottom: 48},
			xAxis: {type: 'category', data: keys},
			yAxis: {type: 'value', name: t('rp.min')},
			series: [
				{name: t('rp.whatif.real'), type: 'bar', data: keys.map(function (k) { return min1(bySlot[k].r / bySlot[k].n); }), itemStyle: {color: '#ffab40'}},
				{name: t('rp.whatif.pred'), type: 'bar', data: keys.map(function (k) { return min1(bySlot[k].p / bySlot[k].n); }), itemStyle: {color: '#00796b'}}
			]
		}), true);
	}
	function run(withShifts) {
		// The what-if covers at most 62 days: the last 28 of the range.
		var to = R.to, from = R.from;
		var d = new Date(to + 'T00:00:00Z');
		d.setUTCDate(d.getUTCDate() - 27);
		var f28 = d.toISOString().slice(0, 10);
		if (f28 > from) from = f28;
		var body = {from: from, to: to, service: R.service || '', slot: R.slot_minutes};
		if (withShifts) body.shifts = shifts();
		status.textContent = t('rp.whatif.running');
		return P.api('POST', '/api/v1/reports/whatif', body).then(function (res) {
			if (res.error) { status.textContent = P.message(res.error.message).pri; return; }
			status.textContent = from + ' — ' + to;
			if (!withShifts) {
				tbody.innerHTML = '';
				res.data.shifts.forEach(addRow);
			}
			showWhatIf(res.data);
		});
	}
	document.getElementById('wi-add').addEventListener('click', function () {
		addRow({counter: counters.length ? counters[0].number : 1, open: '09:00', close: '17:00', weekdays: [1, 2, 3, 4, 5]});
	});
	document.getElementById('wi-run').addEventListener('click', function () { run(true); });
	run(false);

	document.getElementById('rp-print').addEventListener('click', function () { window.print(); });
	window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
	window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
	document.body.dataset.chartsReady = '1';
})(window, document);
