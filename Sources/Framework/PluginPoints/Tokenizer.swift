/// Turns text into token ids and back. Registered under `tokenizers`; usually chosen by the checkpoint's own
/// tokenizer files, or named in the config's optional `tokenizer` section.
public protocol Tokenizer: Sendable {
    /// Token ids for `text`; `addSpecialTokens` adds BOS/EOS as the model's configuration says.
    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int]
    /// Text for `ids`; ids outside the vocabulary are an error that names the id.
    func decode(_ ids: [Int]) throws -> String
}
