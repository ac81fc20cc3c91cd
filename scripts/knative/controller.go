// The Knative Serving controller process for running outside a cluster, next to the
// autoscaler on the same host: the same reconcilers as knative.dev/serving/cmd/controller
// (cert-manager integration left out), with the default health-probe server (fixed port
// 8080, which the autoscaler's stats server also binds) turned off, and
// --threads-per-controller workers per reconciler (Knative's default is 2).
package main

import (
	"flag"

	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"
	"knative.dev/serving/pkg/reconciler/configuration"
	"knative.dev/serving/pkg/reconciler/domainmapping"
	"knative.dev/serving/pkg/reconciler/gc"
	"knative.dev/serving/pkg/reconciler/labeler"
	"knative.dev/serving/pkg/reconciler/nscert"
	"knative.dev/serving/pkg/reconciler/revision"
	"knative.dev/serving/pkg/reconciler/route"
	"knative.dev/serving/pkg/reconciler/serverlessservice"
	"knative.dev/serving/pkg/reconciler/service"
)

func main() {
	flag.IntVar(&controller.DefaultThreadsPerController, "threads-per-controller", controller.DefaultThreadsPerController, "workers per reconciler")
	reconcilers := []injection.ControllerConstructor{
		service.NewController,
		configuration.NewController,
		revision.NewController,
		route.NewController,
		serverlessservice.NewController,
		labeler.NewController,
		gc.NewController,
		nscert.NewController,
		domainmapping.NewController,
	}
	ctx := sharedmain.WithHealthProbesDisabled(signals.NewContext())
	sharedmain.MainWithConfig(ctx, "controller", injection.ParseAndGetRESTConfigOrDie(), reconcilers...)
}
