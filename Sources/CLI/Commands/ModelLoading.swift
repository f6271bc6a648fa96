import Foundation
import TinyTune
import TinyTunePlugins

/// Opens the model of `generate` and `logits`, with a PEFT adapter folder merged in when one is given (W + ΔW for
/// every wrapped layer, which gives the same logits as applying the adapter as a hook).
enum ModelLoading {
    static func model(path: String, adapter: String?) throws -> DecoderModel {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: path))
        guard let adapter else { return model }
        return try PEFTAdapterFiles.load(folder: adapter, model: model).merged(into: model)
    }
}
