package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// GatewayStats is what the gateway counts itself, read at each scrape: live sessions
// and the bytes relayed each way so far (long sessions show their traffic while they
// run, not only when they end).
type GatewayStats struct {
	Live             int64
	BytesToBrowser   int64
	BytesFromBrowser int64
}

// gatewayMetrics are the connection gateway's: sessions started and ended (by the
// reason's key, a fixed set), their length, and guacd handshakes.
type gatewayMetrics struct {
	started   prometheus.Counter
	ended     *prometheus.CounterVec
	duration  prometheus.Histogram
	handshake *prometheus.HistogramVec
}

func newGatewayMetrics(reg *prometheus.Registry) gatewayMetrics {
	g := gatewayMetrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "sessions_started_total",
			Help: "Sessions accepted (a browser's WebSocket with a valid connection token).",
		}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "sessions_ended_total",
			Help: "Sessions ended, by reason (browser_closed, guacd_closed, expired, token_deleted, shutdown, ...).",
		}, []string{"reason"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "session_duration_seconds",
			Help:    "How long sessions lasted.",
			Buckets: []float64{1, 10, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600},
		}),
		handshake: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "guacd_handshake_duration_seconds",
			Help:    "Time from connecting to guacd to its ready, by result (ok, failed).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"result"}),
	}
	reg.MustRegister(g.started, g.ended, g.duration, g.handshake)
	for _, r := range []string{"ok", "failed"} {
		g.handshake.WithLabelValues(r)
	}
	return g
}

// SessionStarted implements gateway.Observer.
func (m *Metrics) SessionStarted() { m.gw.started.Inc() }

// SessionEnded implements gateway.Observer. The bytes are counted live through
// WatchGateway, so only the reason and the length are taken here.
func (m *Metrics) SessionEnded(reason string, d time.Duration, _, _ int64) {
	m.gw.ended.WithLabelValues(reason).Inc()
	m.gw.duration.Observe(d.Seconds())
}

// Handshake implements gateway.Observer.
func (m *Metrics) Handshake(d time.Duration, ok bool) {
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.gw.handshake.WithLabelValues(result).Observe(d.Seconds())
}

// WatchGateway adds the gateway's live sessions and relayed bytes, read from stats at
// each scrape.
func (m *Metrics) WatchGateway(stats func() GatewayStats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "sessions_live",
			Help: "Sessions open on this replica.",
		}, func() float64 { return float64(stats().Live) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "relayed_bytes_to_browser_total",
			Help: "Bytes relayed from guacd to browsers.",
		}, func() float64 { return float64(stats().BytesToBrowser) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "gateway", Name: "relayed_bytes_from_browser_total",
			Help: "Bytes relayed from browsers to guacd.",
		}, func() float64 { return float64(stats().BytesFromBrowser) }),
	)
}
