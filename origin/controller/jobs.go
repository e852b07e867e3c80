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
	stepChunk     = "transcode-chunk"
	stepJoin      = "join"
	stepPackage   = "package"
	stepPublish   = "publish"
	stepSetClass  = "set-class"
)

func (s *Server) stepFuncs() map[string]pipeline.StepFunc {
	return map[string]pipeline.StepFunc{
		stepProbe:     s.runProbe,
		stepQC:        s.runQC,
		stepTranscode: s.runTranscode,
		stepChunk:     s.runChunk,
		stepJoin:      s.runJoin,
		stepPackage:   s.runPackage,
		stepPublish:   s.runPublish,
		stepSetClass:  s.runSetClass,
		stepSubtitles: s.runSubtitles,
		stepArtwork:   s.runArtwork,
		stepIFrames:   s.runIFrames,
	}
}

// transcodeStep names the step of a rendition.
func transcodeStep(r transcode.Rendition) string { return stepTranscode + "/" + r.Name }

// chunkStep names the step of one chunk of a rendition.
func chunkStep(r transcode.Rendition, c transcode.Chunk) string {
	return fmt.Sprintf("%s/chunk-%03d", transcodeStep(r), c.Index)
}

// ingestSpec is the graph of a new title: probe (already done at upload)
// → [transcode/{rendition}… ∥ qc ∥ artwork] → package → iframes →
// publish (artwork and iframes: steps_art.go). With chunks (a
// long source, see transcode.Chunks), each video rendition's
// transcode/{rendition} is a join step after one transcode-chunk step
// per chunk (transcode/{rendition}/chunk-NNN); audio stays one step.
func ingestSpec(id string, info *probe.Info, plan []transcode.Rendition, chunks []transcode.Chunk) pipeline.Spec {
	steps := []pipeline.Step{
		{Name: stepProbe, Kind: stepProbe, State: pipeline.Done, Result: mustJSON(info)},
		{Name: stepQC, Kind: stepQC, Deps: []string{stepProbe}},
	}
	pkgDeps := []string{stepQC}
	for _, r := range plan {
		steps = append(steps, renditionSteps(r, chunks)...)
		pkgDeps = append(pkgDeps, transcodeStep(r))
	}
	steps = append(steps,
		pipeline.Step{Name: stepPackage, Kind: stepPackage, Deps: pkgDeps, Args: mustJSON(plan)},
		pipeline.Step{Name: stepArtwork, Kind: stepArtwork, Deps: []string{stepProbe}},
		pipeline.Step{Name: stepIFrames, Kind: stepIFrames, Deps: []string{stepPackage}},
		pipeline.Step{Name: stepPublish, Kind: stepPublish, Deps: []string{stepIFrames, stepArtwork}},
	)
	return pipeline.Spec{Kind: jobIngest, Subject: id, Steps: steps}
}

// renditionSteps are the steps that produce rendition r: one transcode
// step, or a chunk step per chunk and a join step named as the
// transcode step would be (so the package step finds its result).
func renditionSteps(r transcode.Rendition, chunks []transcode.Chunk) []pipeline.Step {
	if r.Kind != transcode.Video || len(chunks) < 2 {
		return []pipeline.Step{{Name: transcodeStep(r), Kind: stepTranscode, Deps: []string{stepProbe}, Args: mustJSON(r)}}
	}
	var steps []pipeline.Step
	var deps []string
	for _, c := range chunks {
		name := chunkStep(r, c)
		steps = append(steps, pipeline.Step{Name: name, Kind: stepChunk, Deps: []string{stepProbe}, Args: mustJSON(chunkArgs{Rendition: r, Chunk: c})})
		deps = append(deps, name)
	}
	join := pipeline.Step{Name: transcodeStep(r), Kind: stepJoin, Deps: deps, Args: mustJSON(joinArgs{Rendition: r, Chunks: chunks})}
	return append(steps, join)
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
