package e2e

import (
	"sort"
	"testing"

	api "goauthentik.io/api/v3"
)

// TestApplicationsAndOutposts drives applications and outposts through the official
// client and checks that a provider's computed fields follow them: assigned_*
// keys, outpost_set, used_by, application__isnull and ordering by application slug,
// and what deleting a provider or an application does to the others.
func TestApplicationsAndOutposts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		c := r.Client(t, Token)
		fl, _, err := c.FlowsApi.FlowsInstancesCreate(ctx(t)).FlowRequest(*api.NewFlowRequest("Authz", "authz", "Authorize", api.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatalf("create flow: %v", err)
		}
		newProvider := func(name string) int32 {
			p, _, err := c.ProvidersApi.ProvidersRacCreate(ctx(t)).RACProviderRequest(*api.NewRACProviderRequest(name, fl.Pk)).Execute()
			if err != nil {
				t.Fatalf("create provider %s: %v", name, err)
			}
			return p.Pk
		}
		p1, p2, p3 := newProvider("p1"), newProvider("p2"), newProvider("p3")
		provider := func(id int32) *api.RACProvider {
			p, _, err := c.ProvidersApi.ProvidersRacRetrieve(ctx(t), id).Execute()
			if err != nil {
				t.Fatalf("retrieve provider %d: %v", id, err)
			}
			return p
		}

		// An application with p1 as provider and p2 as backchannel provider.
		req := api.NewApplicationRequest("Remote Desktops", "rdp")
		req.SetProvider(p1)
		req.SetBackchannelProviders([]int32{p2})
		req.SetMetaLaunchUrl("https://rdp.example.com/")
		app, _, err := c.CoreApi.CoreApplicationsCreate(ctx(t)).ApplicationRequest(*req).Execute()
		if err != nil {
			t.Fatalf("create application: %v", err)
		}
		if app.GetProvider() != p1 || app.ProviderObj.Pk != p1 || len(app.BackchannelProvidersObj) != 1 || app.BackchannelProvidersObj[0].Pk != p2 {
			t.Fatalf("application = %+v", app)
		}
		if got := provider(p1); got.AssignedApplicationSlug != "rdp" || got.AssignedApplicationName != "Remote Desktops" ||
			got.AssignedBackchannelApplicationSlug != "" {
			t.Errorf("p1 assigned = %q %q %q", got.AssignedApplicationSlug, got.AssignedApplicationName, got.AssignedBackchannelApplicationSlug)
		}
		if got := provider(p2); got.AssignedBackchannelApplicationSlug != "rdp" || got.AssignedBackchannelApplicationName != "Remote Desktops" ||
			got.AssignedApplicationSlug != "" {
			t.Errorf("p2 assigned = %q %q %q", got.AssignedBackchannelApplicationSlug, got.AssignedBackchannelApplicationName, got.AssignedApplicationSlug)
		}

		// An outpost holding p1 shows in p1's outpost_set and used_by.
		out, _, err := c.OutpostsApi.OutpostsInstancesCreate(ctx(t)).OutpostRequest(*api.NewOutpostRequest("edge", api.OUTPOSTTYPEENUM_RAC, []int32{p1}, map[string]interface{}{})).Execute()
		if err != nil {
			t.Fatalf("create outpost: %v", err)
		}
		if out.TokenIdentifier != "ak-outpost-"+out.Pk+"-api" || out.RefreshIntervalS != 300 || len(out.ProvidersObj) != 1 {
			t.Errorf("outpost = %+v", out)
		}
		second, _, err := c.OutpostsApi.OutpostsInstancesCreate(ctx(t)).OutpostRequest(*api.NewOutpostRequest("core", api.OUTPOSTTYPEENUM_RAC, []int32{p1, p3}, map[string]interface{}{})).Execute()
		if err != nil {
			t.Fatalf("create second outpost: %v", err)
		}
		if got := provider(p1).OutpostSet; len(got) != 2 || got[0] != "Outpost core" || got[1] != "Outpost edge" {
			t.Errorf("p1 outpost_set = %v", got)
		}
		used, _, err := c.ProvidersApi.ProvidersRacUsedByList(ctx(t), p1).Execute()
		if err != nil {
			t.Fatalf("used_by: %v", err)
		}
		var names []string
		for _, u := range used {
			if u.App == "authentik_outposts" && u.ModelName == "outpost" && u.Action == api.USEDBYACTIONENUM_CASCADE_MANY {
				names = append(names, u.Name)
			}
		}
		sort.Strings(names)
		if len(names) != 2 || names[0] != "Outpost core" || names[1] != "Outpost edge" {
			t.Errorf("used_by = %+v", used)
		}

		// application__isnull, both ways, and ordering by application__slug.
		list := func(isNull *bool, ordering string) []int32 {
			q := c.ProvidersApi.ProvidersRacList(ctx(t))
			if isNull != nil {
				q = q.ApplicationIsnull(*isNull)
			}
			if ordering != "" {
				q = q.Ordering(ordering)
			}
			page, _, err := q.Execute()
			if err != nil {
				t.Fatalf("list providers: %v", err)
			}
			var ids []int32
			for _, p := range page.Results {
				ids = append(ids, p.Pk)
			}
			return ids
		}
		yes, no := true, false
		if got := list(&yes, "name"); !equalIDs(got, []int32{p2, p3}) {
			t.Errorf("application__isnull=true: %v", got)
		}
		if got := list(&no, "name"); !equalIDs(got, []int32{p1}) {
			t.Errorf("application__isnull=false: %v", got)
		}
		req3 := api.NewApplicationRequest("Alpha", "alpha")
		req3.SetProvider(p3)
		if _, _, err := c.CoreApi.CoreApplicationsCreate(ctx(t)).ApplicationRequest(*req3).Execute(); err != nil {
			t.Fatalf("create application alpha: %v", err)
		}
		// alpha < rdp; p2 has no application: NULLs sort last ascending, first descending.
		if got := list(nil, "application__slug"); !equalIDs(got, []int32{p3, p1, p2}) {
			t.Errorf("ordering=application__slug: %v", got)
		}
		if got := list(nil, "-application__slug"); !equalIDs(got, []int32{p2, p1, p3}) {
			t.Errorf("ordering=-application__slug: %v", got)
		}

		// Deleting p1 nulls the application's provider and removes it from the outposts.
		if _, err := c.ProvidersApi.ProvidersRacDestroy(ctx(t), p1).Execute(); err != nil {
			t.Fatalf("delete p1: %v", err)
		}
		app, _, err = c.CoreApi.CoreApplicationsRetrieve(ctx(t), "rdp").Execute()
		if err != nil {
			t.Fatalf("retrieve application: %v", err)
		}
		if app.Provider.IsSet() && app.Provider.Get() != nil {
			t.Errorf("application provider after delete = %v", *app.Provider.Get())
		}
		edge, _, err := c.OutpostsApi.OutpostsInstancesRetrieve(ctx(t), out.Pk).Execute()
		if err != nil {
			t.Fatalf("retrieve outpost: %v", err)
		}
		if len(edge.Providers) != 0 {
			t.Errorf("edge providers after delete = %v", edge.Providers)
		}
		core, _, err := c.OutpostsApi.OutpostsInstancesRetrieve(ctx(t), second.Pk).Execute()
		if err != nil || !equalIDs(core.Providers, []int32{p3}) {
			t.Errorf("core providers after delete = %v (%v)", core.Providers, err)
		}

		// Deleting the application clears p2's backchannel keys; p2 stays.
		if _, err := c.CoreApi.CoreApplicationsDestroy(ctx(t), "rdp").Execute(); err != nil {
			t.Fatalf("delete application: %v", err)
		}
		if got := provider(p2); got.AssignedBackchannelApplicationSlug != "" || got.AssignedBackchannelApplicationName != "" {
			t.Errorf("p2 after application delete: %q %q", got.AssignedBackchannelApplicationSlug, got.AssignedBackchannelApplicationName)
		}
		if _, err := c.CoreApi.CoreApplicationsDestroy(ctx(t), "alpha").Execute(); err != nil {
			t.Fatalf("delete application alpha: %v", err)
		}
		if got := provider(p3); got.AssignedApplicationSlug != "" || got.AssignedApplicationName != "" {
			t.Errorf("p3 after application delete: %q %q", got.AssignedApplicationSlug, got.AssignedApplicationName)
		}

		// The remaining routes answer in authentik's shapes.
		if _, _, err := c.CoreApi.CoreApplicationsList(ctx(t)).Search("x").Ordering("slug").Execute(); err != nil {
			t.Errorf("list applications: %v", err)
		}
		if _, _, err := c.OutpostsApi.OutpostsInstancesList(ctx(t)).NameIexact("EDGE").Execute(); err != nil {
			t.Errorf("list outposts: %v", err)
		}
		def, _, err := c.OutpostsApi.OutpostsInstancesDefaultSettingsRetrieve(ctx(t)).Execute()
		if err != nil || def.Config["refresh_interval"] != "minutes=5" {
			t.Errorf("default_settings: %v %v", def, err)
		}
		// As the Terraform provider does: a new outpost starts from the default config,
		// nulls included, and keeps it as sent.
		tf, _, err := c.OutpostsApi.OutpostsInstancesCreate(ctx(t)).OutpostRequest(*api.NewOutpostRequest("tf", api.OUTPOSTTYPEENUM_RAC, []int32{p3}, def.Config)).Execute()
		if err != nil {
			t.Fatalf("create outpost from default config: %v", err)
		}
		if len(tf.Config) != len(def.Config) || tf.Config["container_image"] != nil || tf.Config["kubernetes_replicas"] != float64(1) {
			t.Errorf("config = %v, want %v", tf.Config, def.Config)
		}
		if _, _, err := c.OutpostsApi.OutpostsInstancesUsedByList(ctx(t), out.Pk).Execute(); err != nil {
			t.Errorf("outpost used_by: %v", err)
		}
		if _, err := c.OutpostsApi.OutpostsInstancesDestroy(ctx(t), out.Pk).Execute(); err != nil {
			t.Errorf("delete outpost: %v", err)
		}
	})
}

// TestRootConfig: clients such as the Terraform provider read error_reporting at start.
func TestRootConfig(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		r := Start(t, dbURL)
		cfg, _, err := r.Client(t, Token).RootApi.RootConfigRetrieve(ctx(t)).Execute()
		if err != nil {
			t.Fatalf("root config: %v", err)
		}
		if cfg.ErrorReporting.Enabled {
			t.Errorf("error_reporting.enabled = true")
		}
	})
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
