import Foundation

extension DecoderModel {
    /// Causal (and, for sliding layers, windowed) attention of `count` new queries against the cache, whose
    /// last `count` positions are these queries' own keys. Per head h with KV head g = h / (heads / kv):
    ///   S = scale · Q_h·K_gᵀ (count × L), masked, softmax by row, out_h = S·V_g (count × d).
    func attend(queries: UnsafePointer<Float>, count: Int, cache: KVCache, layer: Int,
                        into out: UnsafeMutablePointer<Float>)
    {
        let s = spec.shape, d = s.headDim
        let length = cache.count + count
        let queryWidth = s.attentionHeads * d, keyWidth = s.keyValueHeads * d
        let groupSize = s.attentionHeads / s.keyValueHeads
        let window = spec.layers[layer].slidingWindow
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: count * length)
        defer { scores.deallocate() }
        for h in 0..<s.attentionHeads {
            let g = h / groupSize
            gemm(m: count, n: length, k: d, a: queries + h * d, lda: queryWidth, transA: .none,
                 b: cache.keys(layer: layer) + g * d, ldb: keyWidth, transB: .transposed,
                 c: scores, ldc: length, alpha: spec.attentionScale, beta: 0)
            for t in 0..<count {
                let position = cache.count + t
                let first = window.map { max(0, position - $0 + 1) } ?? 0
                let row = scores + t * length
                // Softmax over first...position; everything else gets weight 0.
                var maximum = -Float.infinity
                for j in first...position { maximum = max(maximum, row[j]) }
                var sum: Double = 0
                for j in first...position {
                    row[j] = expf(row[j] - maximum)
                    sum += Double(row[j])
                }
                let inverse = Float(1 / sum)
                for j in 0..<length { row[j] = (j >= first && j <= position) ? row[j] * inverse : 0 }
            }
            gemm(m: count, n: d, k: length, a: scores, lda: length, transA: .none,
                 b: cache.values(layer: layer) + g * d, ldb: keyWidth, transB: .none,
                 c: out + h * d, ldc: queryWidth, alpha: 1, beta: 0)
        }
    }
}
