package controller

import (
	"encoding/json"
	"fmt"

	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/transcode"
)

// Job kinds and step kinds.
const (
	jobIngest = "ingest"
	jobClass  = "storage-class"

	stepProbe     = "probe"
	stepQC        = "qc"
	stepTranscode = "transcode"
	stepPackage   = "package"
	stepPublish   = "publish"
	stepSetClass  = "set-class"
)

func (s *Server) stepFuncs() map[string]pipeline.StepFunc {
	return map[string]pipeline.StepFunc{
		stepProbe:     s.runProbe,
		stepQC:        s.runQC,
		stepTranscode: s.runTranscode,
		stepPackage:   s.runPackage,
		stepPublish:   s.runPublish,
		stepSetClass:  s.runSetClass,
	}
}

// transcodeStep names the step of a rendition.
func transcodeStep(r transcode.Rendition) string { return stepTranscode + "/" + r.Name }

// ingestSpec is the graph of a new title: probe (already done at upload)
// → [transcode/{rendition}… ∥ qc] → package → publish.
func ingestSpec(id string, info *probe.Info, plan []transcode.Rendition) pipeline.Spec {
	steps := []pipeline.Step{
		{Name: stepProbe, Kind: stepProbe, State: pipeline.Done, Result: mustJSON(info)},
		{Name: stepQC, Kind: stepQC, Deps: []string{stepProbe}},
	}
	pkgDeps := []string{stepQC}
	for _, r := range plan {
		steps = append(steps, pipeline.Step{Name: transcodeStep(r), Kind: stepTranscode, Deps: []string{stepProbe}, Args: mustJSON(r)})
		pkgDeps = append(pkgDeps, transcodeStep(r))
	}
	steps = append(steps,
		pipeline.Step{Name: stepPackage, Kind: stepPackage, Deps: pkgDeps, Args: mustJSON(plan)},
		pipeline.Step{Name: stepPublish, Kind: stepPublish, Deps: []string{stepPackage}},
	)
	return pipeline.Spec{Kind: jobIngest, Subject: id, Steps: steps}
}

// classArgs are a set-class step's input.
type classArgs struct {
	To store.Class `json:"to"`
}

func classSpec(id string, to store.Class) pipeline.Spec {
	return pipeline.Spec{Kind: jobClass, Subject: id, Steps: []pipeline.Step{
		{Name: stepSetClass, Kind: stepSetClass, Args: mustJSON(classArgs{To: to})},
	}}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("controller: marshal %T: %v", v, err)) // only our own plain structs
	}
	return b
}
