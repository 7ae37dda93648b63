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

	"github.com/racd/racd/internal/httpapi"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/password"
	"github.com/racd/racd/internal/portal"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/websession"
)

const serveSummary = `Run racd's API server. An empty database is migrated on start; a database migrated by a
newer racd is refused. With RACD_BOOTSTRAP_TOKEN set, the superuser akadmin and an API
token with that key are created when missing.`

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	vals, rest, err := parseConfig("racd serve", serveSummary, serveSettings, args, getenv, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, rest)
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
	api := httpapi.New(httpapi.Config{
		Store: store, Keys: ring, Logger: log, AuthCacheTTL: cfg.AuthCacheTTL,
		RequestTimeout: cfg.RequestTimeout, AccessLog: cfg.AccessLog, Version: version(),
		TrustedProxies: cfg.TrustedProxies, Observer: obs.api, Sessions: sessions, Verifier: verifier,
	})
	pages := portal.New(portal.Config{Store: store, Sessions: sessions, Keys: ring, Verifier: verifier,
		AuthenticationFlow: cfg.AuthenticationFlow, Logger: log})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	requests := newInflight()
	requestCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Handler:           requests.wrap(rootHandler(api, pages)),
		BaseContext:       func(net.Listener) context.Context { return requestCtx },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	janitorCtx, stopJanitor := context.WithCancel(ctx)
	defer stopJanitor()
	go runJanitor(janitorCtx, store, log)
	go runSessionJanitor(janitorCtx, store, cfg.SessionIdleTimeout, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("racd listening", "addr", ln.Addr().String(), "database", store.Dialect(), "version", version())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, requests, cancelRequests, cfg.ShutdownTimeout, log)
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
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Logger: log, EventRetention: cfg.EventRetention, Observer: obs})
	if err != nil {
		return nil, nil, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, nil, err
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
