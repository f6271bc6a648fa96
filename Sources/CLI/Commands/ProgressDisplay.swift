import Foundation
import TinyTune

/// Where a training run stands after a step.
struct TrainProgress {
    /// Steps completed, of `total`; the run (or its resumption) started at step `first`.
    let done: Int
    let total: Int
    let first: Int
    let metrics: StepMetrics
    /// Seconds since this process started training.
    let elapsed: Double

    /// Seconds left at the pace so far.
    var remaining: Double { done > first ? elapsed / Double(done - first) * Double(total - done) : 0 }
}

/// stderr output of `tinytune train`: on a terminal a progress bar redrawn in place with the log lines printed
/// above it; otherwise plain lines only (logs and pipes stay readable).
///
///     let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
///     display.line("accuracy before: 0.4450")
///     display.update(progress)       // [██████░░░░░░░░░░░░░░]  9/30  reward 0.41  accuracy 0.38  21.3 s/step  eta 7m28s
///     display.finish()
final class ProgressDisplay: @unchecked Sendable {
    let terminal: Bool
    private var bar: String?
    private let lock = NSLock()

    init(terminal: Bool) { self.terminal = terminal }

    func line(_ text: String) {
        lock.withLock {
            if terminal, let bar { write("\r\u{1B}[2K" + text + "\n" + bar) } else { write(text + "\n") }
        }
    }

    func update(_ progress: TrainProgress) {
        let text = Self.render(progress, width: 24)
        lock.withLock {
            bar = text
            write("\r\u{1B}[2K" + text)
        }
    }

    /// Ends the bar's line.
    func finish() {
        lock.withLock {
            if bar != nil { write("\n") }
            bar = nil
        }
    }

    static func render(_ p: TrainProgress, width: Int) -> String {
        let filled = p.total > 0 ? min(width, width * p.done / p.total) : width
        var text = "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] "
        text += "\(p.done)/\(p.total)  " + String(format: "reward %.3f", p.metrics.rewardMean)
        if let accuracy = p.metrics.accuracy { text += String(format: "  accuracy %.3f", accuracy) }
        text += String(format: "  loss %.4f", p.metrics.loss)
        if p.done > p.first { text += String(format: "  %.1f s/step", p.elapsed / Double(p.done - p.first)) }
        if p.done < p.total { text += "  eta " + duration(p.remaining) }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
