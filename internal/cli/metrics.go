package cli

import (
	"errors"
	"log/slog"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/metrics"
	"github.com/racd/racd/internal/sqlstore"
)

// observers are what serve hands the store and the API for metrics: all nil without
// RACD_METRICS_LISTEN, so nothing is counted that nobody reads.
type observers struct {
	m       *metrics.Metrics
	store   sqlstore.Observer
	api     httpapi.Observer
	gateway gateway.Observer
}

func newObservers(cfg Config) observers {
	if cfg.MetricsListen == "" {
		return observers{}
	}
	m := metrics.New()
	return observers{m: m, store: m, api: m, gateway: m}
}

// evaluated counts a property mapping the gateway evaluated at connect time (the API
// counts those of launches itself); a mapping left out for want of a free slot was not
// evaluated.
func (o observers) evaluated(err error) {
	if o.m != nil && !errors.Is(err, expr.ErrBusy) {
		o.m.Evaluation(expr.Outcome(err))
	}
}

// watchGateway adds the gateway's own counters (live sessions, bytes relayed).
func (o observers) watchGateway(gw *gateway.Gateway) {
	if o.m == nil {
		return
	}
	o.m.WatchGateway(func() metrics.GatewayStats {
		st := gw.Stats()
		return metrics.GatewayStats{Live: st.Live, BytesToBrowser: st.BytesToBrowser, BytesFromBrowser: st.BytesFromBrowser}
	})
}

// serve starts the metrics listener (its own address, so /metrics is never exposed
// on the API's port) and returns a function that stops it.
func (o observers) serve(addr string, store *sqlstore.Store, log *slog.Logger) (func(), error) {
	if o.m == nil {
		return func() {}, nil
	}
	o.m.WatchPools(store.PoolStats)
	return o.m.Serve(addr, log)
}
