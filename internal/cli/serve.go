package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/racd/racd/internal/expr"
	"github.com/racd/racd/internal/gateway"
	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/portal"
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/web"
	"github.com/racd/racd/internal/websession"
)

// maxHeaderBytes bounds a request's header (request line included).
const maxHeaderBytes = 64 << 10

const serveSummary = `Run racd's API server and connection gateway. An empty database is migrated on start; a
database migrated by a newer racd is refused. With RACD_BOOTSTRAP_TOKEN set, the superuser
akadmin and an API token with that key are created when missing. A launched connection
token opens at /if/rac/<token>/, which reaches the machine through guacd (RACD_GUACD_ADDR).`

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	vals, err := parseConfig("racd serve", serveSummary, serveSettings, args, getenv, stdout)
	if err != nil {
		return err
	}
	cfg, err := toConfig(vals)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	obs := newObservers(cfg)
	store, ring, err := openStoreWaiting(ctx, cfg, log, obs.store)
	if err != nil {
		return err
	}
	defer store.Close()
	stopMetrics, err := obs.serve(cfg.MetricsListen, store, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := bootstrapPassword(ctx, cfg, store, log); err != nil {
		return err
	}
	if err := bootstrap(ctx, cfg, store, ring, log); err != nil {
		return err
	}
	verifier, err := password.NewVerifier(password.Default)
	if err != nil {
		return err
	}
	sessions := websession.New(websession.Config{Store: store, Keys: ring, Proxies: cfg.TrustedProxies,
		IdleTimeout: cfg.SessionIdleTimeout, MaxAge: cfg.SessionMaxAge, Logger: log})
	// One evaluator for the launch answers and the gateway's connections, so that
	// RACD_MAX_EVALUATIONS bounds them together.
	evals := expr.NewEvaluator(cfg.MaxEvaluations, expr.Limits{})
	api := httpapi.New(httpapi.Config{
		Store: store, Keys: ring, Logger: log, AuthCacheTTL: cfg.AuthCacheTTL,
		RequestTimeout: cfg.RequestTimeout, AccessLog: cfg.AccessLog, Version: version(),
		TrustedProxies: cfg.TrustedProxies, Observer: obs.api, Sessions: sessions, Verifier: verifier,
		Evaluator: evals,
	})
	pages := portal.New(portal.Config{Store: store, Sessions: sessions, Keys: ring, Verifier: verifier,
		AuthenticationFlow: cfg.AuthenticationFlow, Logger: log})
	notifier, err := store.NewNotifier(ctx)
	if err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	defer notifier.Close()
	gw := gateway.New(gateway.Config{
		Store: store, Notifier: notifier, Hash: ring.Hash, Logger: log,
		GuacdAddr: cfg.GuacdAddr, ConnectTimeout: cfg.GuacdConnectTimeout,
		HandshakeTimeout: cfg.GuacdHandshakeTimeout, ReconnectGrace: cfg.ReconnectGrace,
		ClientIP: cfg.TrustedProxies.ClientIP, SecureCookies: cfg.TrustedProxies.Secure, Observer: obs.gateway,
		BrowserSession: func(r *http.Request) string {
			if s, err := sessions.Lookup(r.Context(), r); err == nil && s != nil {
				return s.UUID
			}
			return ""
		},
		SignedOut: func(ctx context.Context, id string) bool {
			_, err := store.GetBrowserSession(ctx, id)
			return errors.Is(err, racd.ErrNotFound)
		},
		Settings: func(ctx context.Context, t *racd.GatewayToken, secret string, a racd.Audit) (map[string]string, error) {
			return evals.LaunchSettings(ctx, nil, &t.Launch, secret, func(m *racd.PropertyMapping, err error) {
				obs.evaluated(err)
				if err == nil || errors.Is(err, expr.ErrBusy) {
					return // busy: the connection is refused, nothing was evaluated
				}
				if err := store.Events().Record(ctx, expr.MappingFailure(m, t.Token.Endpoint.Provider, err, a)); err != nil {
					log.Warn("recording configuration_error event failed", "err", err)
				}
			})
		},
	})
	gw.Start()
	defer gw.Close()
	obs.watchGateway(gw)
	page := web.SessionPage(func(w http.ResponseWriter, r *http.Request, secret string) (string, error) {
		info, err := gw.OpenPage(w, r, secret)
		return info.Title, err
	}, log)
	requests := newInflight()
	requestCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	// Requests in flight are the API's: a session's WebSocket is not one (the gateway
	// ends sessions itself at shutdown, and its path holds the token's secret).
	handler := rootHandler(requests.wrap(api), page, gw, pages)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	limited := newConnLimiter(ln, cfg.MaxConnections, log)
	srv := &http.Server{
		Handler:           handler,
		BaseContext:       func(net.Listener) context.Context { return requestCtx },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// A header being read is held in memory: bound it (with the connection
		// bound, about 64 MiB at most). authentik's servers allow less.
		MaxHeaderBytes: maxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	limited.wire(srv)
	janitorCtx, stopJanitor := context.WithCancel(ctx)
	defer stopJanitor()
	go runJanitor(janitorCtx, store, log)
	go runSessionJanitor(janitorCtx, store, cfg.SessionIdleTimeout, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limited) }()
	log.Info("racd listening", "addr", ln.Addr().String(), "database", store.Dialect(), "version", version(), "guacd", cfg.GuacdAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Live sessions end at once with a reason the page shows (the server is
	// restarting): the page reconnects, to another replica where there is one, and the
	// tokens stay valid. Meanwhile the API's requests in flight finish.
	sessionsDone := make(chan struct{})
	go func() {
		defer close(sessionsDone)
		c, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := gw.Shutdown(c); err != nil {
			log.Warn("sessions did not all end before the shutdown deadline", "err", err)
		}
	}()
	err = shutdown(srv, requests, cancelRequests, cfg.ShutdownTimeout, log)
	<-sessionsDone
	return err
}

// openStore resolves the secret, connects, and migrates.
// obs receives the store's statement timings and audit events (nil: none).
func openStore(ctx context.Context, cfg Config, log *slog.Logger, obs sqlstore.Observer) (*sqlstore.Store, *keys.Keyring, error) {
	secret, err := resolveSecret(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	ring, err := keys.New(secret)
	if err != nil {
		return nil, nil, fmt.Errorf("RACD_SECRET_KEY: %w", err)
	}
	// No statement outlives the request timeout (a backstop: statements of a request
	// that ends are cancelled at once).
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Logger: log, EventRetention: cfg.EventRetention, Observer: obs,
		TokenMaxLifetime: cfg.TokenMaxLifetime, Sealer: ring,
		StatementTimeout: cfg.RequestTimeout})
	if err != nil {
		return nil, nil, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, nil, err
	}
	// Settings written before racd sealed secret parameters hold them in clear.
	n, err := store.SealStoredSecrets(ctx)
	if err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("sealing stored secrets: %w", err)
	}
	if n > 0 {
		log.Info("sealed the secret connection parameters of settings stored in clear", "objects", n)
	}
	return store, ring, nil
}

// resolveSecret finds the server secret: RACD_SECRET_KEY, else RACD_SECRET_KEY_FILE,
// else (SQLite only) a generated file beside the database.
func resolveSecret(cfg Config, log *slog.Logger) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	kind, err := sqlstore.Kind(cfg.DatabaseURL)
	if err != nil {
		return "", err
	}
	path := cfg.SecretKeyFile
	if path == "" {
		if kind != "sqlite" {
			return "", errors.New("RACD_SECRET_KEY (or RACD_SECRET_KEY_FILE) is required with PostgreSQL: every replica must share the secret that encrypts token keys")
		}
		dbPath, err := sqlstore.SQLitePath(cfg.DatabaseURL)
		if err != nil {
			return "", err
		}
		path = dbPath + ".secret"
	}
	secret, created, err := keys.LoadOrCreateSecret(path)
	if err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	if created {
		log.Info("generated secret key", "file", path)
	}
	return secret, nil
}
