// Package metrics is racd's Prometheus instrumentation: it implements the observer
// hooks of the API (httpapi.Observer), the store (sqlstore.Observer) and the gateway
// (gateway.Observer) with prometheus/client_golang, and serves them on their own listener
// (RACD_METRICS_LISTEN). It is the only package that imports Prometheus; the others
// report through small interfaces and know nothing of it.
//
// Every label value is bounded: route patterns of the route table (never a raw path),
// a fixed set of methods, status codes, statement kinds, event actions and outcomes.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes racd's own metrics.
const namespace = "racd"

// Unmatched is the route label of requests no route of the table matched.
const Unmatched = "unmatched"

// OtherMethod is the method label of requests with a method the API does not serve.
const OtherMethod = "OTHER"

// Metrics holds racd's collectors in a registry of its own (no global state).
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpBytes    *prometheus.CounterVec
	authCache    *prometheus.CounterVec
	evaluations  *prometheus.CounterVec
	statements   *prometheus.HistogramVec
	auditEvents  *prometheus.CounterVec

	gw gatewayMetrics
}

// New registers racd's metrics with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.httpBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "http", Name: "response_bytes_total",
		Help: "Bytes of response bodies, by route pattern and method.",
	}, []string{"route", "method"})
	m.authCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "auth", Name: "cache_lookups_total",
		Help: "Token lookups answered from this replica's cache (hit) or by the database (miss).",
	}, []string{"result"})
	m.evaluations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "expression", Name: "evaluations_total",
		Help: "Property-mapping evaluations (at launch and when the gateway connects), by outcome: ok, failed, over_budget.",
	}, []string{"outcome"})
	m.statements = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "db", Name: "statement_duration_seconds",
		Help:    "Latency of SQL statements (queries until their first row), by kind (query, exec, begin, commit) and result (ok, error).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"op", "result"})
	m.auditEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "audit", Name: "events_written_total",
		Help: "Audit events committed to the database, by action.",
	}, []string{"action"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.httpBytes, m.authCache, m.evaluations, m.statements, m.auditEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start, so rates work before the first event.
	for _, r := range []string{"hit", "miss"} {
		m.authCache.WithLabelValues(r)
	}
	for _, o := range []string{"ok", "failed", "over_budget"} {
		m.evaluations.WithLabelValues(o)
	}
	m.gw = newGatewayMetrics(m.reg)
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Serve serves the metrics at /metrics on a listener of their own (never on the API's
// port) and returns a function that stops it.
func (m *Metrics) Serve(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// Registry is the registry the metrics live in (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// knownMethods are the method labels; anything else is OtherMethod, so a client
// cannot mint series by inventing methods.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return OtherMethod
}

// Request implements httpapi.Observer.
func (m *Metrics) Request(route, method string, status int, d time.Duration, bytes int64) {
	if route == "" {
		route = Unmatched
	}
	method = methodLabel(method)
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
	m.httpBytes.WithLabelValues(route, method).Add(float64(bytes))
}

// AuthCache implements httpapi.Observer.
func (m *Metrics) AuthCache(hit bool) {
	if hit {
		m.authCache.WithLabelValues("hit").Inc()
	} else {
		m.authCache.WithLabelValues("miss").Inc()
	}
}

// Evaluation implements httpapi.Observer.
func (m *Metrics) Evaluation(outcome string) { m.evaluations.WithLabelValues(outcome).Inc() }

// Statement implements sqlstore.Observer.
func (m *Metrics) Statement(op string, d time.Duration, failed bool) {
	result := "ok"
	if failed {
		result = "error"
	}
	m.statements.WithLabelValues(op, result).Observe(d.Seconds())
}

// EventWritten implements sqlstore.Observer.
func (m *Metrics) EventWritten(action string) { m.auditEvents.WithLabelValues(action).Inc() }

// WatchPools adds the database connection pools' statistics, read at each scrape
// from stats (pool name → database/sql's statistics).
func (m *Metrics) WatchPools(stats func() map[string]sql.DBStats) {
	m.reg.MustRegister(&poolCollector{stats: stats})
}

// poolCollector turns sql.DBStats into gauges and counters at scrape time.
type poolCollector struct {
	stats func() map[string]sql.DBStats
}

var (
	poolLabels = []string{"pool"}
	poolOpen   = prometheus.NewDesc("racd_db_pool_open_connections", "Connections open, in use or idle.", poolLabels, nil)
	poolInUse  = prometheus.NewDesc("racd_db_pool_in_use_connections", "Connections in use.", poolLabels, nil)
	poolIdle   = prometheus.NewDesc("racd_db_pool_idle_connections", "Idle connections.", poolLabels, nil)
	poolMax    = prometheus.NewDesc("racd_db_pool_max_open_connections", "Most connections the pool opens.", poolLabels, nil)
	poolWaits  = prometheus.NewDesc("racd_db_pool_waits_total", "Times a statement waited for a free connection.", poolLabels, nil)
	poolWaited = prometheus.NewDesc("racd_db_pool_wait_seconds_total", "Time statements waited for a free connection.", poolLabels, nil)
)

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaited} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range p.stats() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaited, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
}
