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
	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/sqlstore"
	"github.com/racd/racd/internal/web"
)

const serveSummary = `Run racd's API server and connection gateway. An empty database is migrated on start; a
database migrated by a newer racd is refused. With RACD_BOOTSTRAP_TOKEN set, the superuser
akadmin and an API token with that key are created when missing. A launched connection
token opens at /if/rac/<token>/, which reaches the machine through guacd (RACD_GUACD_ADDR).`

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
	store, ring, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.BootstrapToken != "" {
		hash := ring.Hash(cfg.BootstrapToken)
		sealed, err := ring.Seal(cfg.BootstrapToken)
		if err != nil {
			return err
		}
		created, err := store.Bootstrap(ctx, racd.SealedKey{Hash: hash, Ciphertext: sealed})
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if created {
			log.Info("created bootstrap admin token", "user", "akadmin", "identifier", "racd-bootstrap-token")
		}
	}
	api := httpapi.New(httpapi.Config{
		Store: store, Keys: ring, Logger: log, AuthCacheTTL: cfg.AuthCacheTTL,
		RequestTimeout: cfg.RequestTimeout, AccessLog: cfg.AccessLog, Version: version(),
	})
	notifier, err := store.NewNotifier(ctx)
	if err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	defer notifier.Close()
	gw := gateway.New(gateway.Config{
		Store: store, Notifier: notifier, Hash: ring.Hash, Logger: log,
		GuacdAddr: cfg.GuacdAddr, ConnectTimeout: cfg.GuacdConnectTimeout,
		HandshakeTimeout: cfg.GuacdHandshakeTimeout, ReconnectGrace: cfg.ReconnectGrace,
		Settings: func(ctx context.Context, t *racd.GatewayToken, secret string, a racd.Audit) map[string]string {
			return expr.LaunchSettings(ctx, &t.Launch, secret, func(m *racd.PropertyMapping, err error) {
				if err := store.RecordEvent(ctx, expr.MappingFailure(m, t.Token.Endpoint.Provider, err, a)); err != nil {
					log.Warn("recording configuration_error event failed", "err", err)
				}
			})
		},
	})
	gw.Start()
	defer gw.Close()
	page := web.SessionPage(func(w http.ResponseWriter, r *http.Request, secret string) (string, error) {
		info, err := gw.OpenPage(w, r, secret)
		return info.Title, err
	}, log)
	handler := rootHandler(api,
		route{web.AssetPrefix, web.AssetHandler()},
		route{web.SessionPrefix, page},
		route{racd.SessionWebSocketPrefix, gw},
	)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	janitorCtx, stopJanitor := context.WithCancel(ctx)
	defer stopJanitor()
	go runJanitor(janitorCtx, store, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("racd listening", "addr", ln.Addr().String(), "database", store.Dialect(), "version", version(), "guacd", cfg.GuacdAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// Stop listening and finish API requests while live sessions end with a reason
	// the page shows (the server is restarting): the page reconnects, to another
	// replica where there is one, and the tokens stay valid.
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Shutdown(shutCtx) }()
	if err := gw.Shutdown(shutCtx); err != nil {
		log.Warn("sessions did not all end in time", "err", err)
	}
	if err := <-srvDone; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// openStore resolves the secret, connects, and migrates.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*sqlstore.Store, *keys.Keyring, error) {
	secret, err := resolveSecret(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	ring, err := keys.New(secret)
	if err != nil {
		return nil, nil, fmt.Errorf("RACD_SECRET_KEY: %w", err)
	}
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Logger: log})
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
