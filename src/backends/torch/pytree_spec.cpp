// Leaf names of a pytree spec (see pytree_spec.hpp): a small JSON reader, enough for what
// treespec_dumps writes (objects, arrays, strings, numbers, true/false/null), and a walk of the tree.
#include "backends/torch/pytree_spec.hpp"

#include "piu/core.hpp"

namespace piu::torch_util {

namespace {

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  std::string text;                      // a string's value, a number's digits
  std::vector<Json> items;               // an array's items, or an object's values
  std::vector<std::string> field_names;  // an object's keys, in order
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& what) : text_(text), what_(what) {}

  Json document() {
    Json v = value();
    skip_space();
    if (pos_ != text_.size()) fail("text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::kBadInput,
                what_ + ": not a pytree spec (" + why + " at character " + std::to_string(pos_) + ")");
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }

  Json value() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end");
    Json v;
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      v.kind = Json::Kind::kObject;
      if (take('}')) return v;
      do {
        skip_space();
        v.field_names.push_back(string());
        expect(':');
        v.items.push_back(value());
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++pos_;
      v.kind = Json::Kind::kArray;
      if (take(']')) return v;
      do v.items.push_back(value());
      while (take(','));
      expect(']');
    } else if (c == '"') {
      v.kind = Json::Kind::kString;
      v.text = string();
    } else if (text_.substr(pos_, 4) == "null") {
      pos_ += 4;
    } else if (text_.substr(pos_, 4) == "true" || text_.substr(pos_, 5) == "false") {
      v.kind = Json::Kind::kBool;
      v.text = c == 't' ? "true" : "false";
      pos_ += v.text.size();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Json::Kind::kNumber;
      while (pos_ < text_.size() && std::string_view("+-.eE0123456789").find(text_[pos_]) != std::string_view::npos)
        v.text += text_[pos_++];
    } else {
      fail(std::string("unexpected '") + c + "'");
    }
    return v;
  }

  // A string at pos_ (its opening quote), unescaped. \u escapes beyond ASCII are kept as written:
  // keys are Python identifiers or plain strings.
  std::string string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        if (e == 'n')
          c = '\n';
        else if (e == 't')
          c = '\t';
        else if (e == 'u' && pos_ + 4 <= text_.size() && text_.substr(pos_, 2) == "00") {
          c = static_cast<char>(std::stoi(std::string(text_.substr(pos_ + 2, 2)), nullptr, 16));
          pos_ += 4;
        } else if (e == 'u') {
          out += "\\u";
          continue;
        } else {
          c = e;  // \" \\ \/
        }
      }
      out += c;
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view text_;
  const std::string& what_;
  size_t pos_ = 0;
};

const Json* field(const Json& node, const std::string& name) {
  for (size_t i = 0; i < node.field_names.size(); ++i)
    if (node.field_names[i] == name) return &node.items[i];
  return nullptr;
}

// Appends the key path of every leaf under `node` to `paths`.
void walk(const Json& node, const std::string& path, std::vector<std::string>& paths, const std::string& what) {
  const Json* type = field(node, "type");
  const Json* children = field(node, "children_spec");
  if (node.kind != Json::Kind::kObject || !type || !children || children->kind != Json::Kind::kArray)
    throw Error(ErrorCode::kBadInput, what + ": not a pytree spec (a node without type and children_spec)");
  if (type->kind == Json::Kind::kNull) {
    paths.push_back(path);
    return;
  }
  // A dict's context is its keys, as a JSON list inside a string.
  std::vector<std::string> keys;
  const Json* context = field(node, "context");
  if (type->text == "builtins.dict" && context && context->kind == Json::Kind::kString) {
    const Json list = Reader(context->text, what).document();
    for (const Json& k : list.items) keys.push_back(k.text);
  }
  for (size_t i = 0; i < children->items.size(); ++i) {
    const std::string key = i < keys.size() ? keys[i] : "";
    walk(children->items[i], key.empty() ? path : path.empty() ? key : path + "." + key, paths, what);
  }
}

}  // namespace

std::vector<std::string> pytree_leaf_names(std::string_view spec, const std::string& prefix, const std::string& what) {
  const Json doc = Reader(spec, what).document();
  // Protocol 1 writes [1, tree]; a bare tree is accepted too.
  const Json& tree = doc.kind == Json::Kind::kArray && doc.items.size() == 2 ? doc.items[1] : doc;
  std::vector<std::string> names;
  walk(tree, "", names, what);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = names.size() == 1 ? prefix : prefix + "_" + std::to_string(i);
  return names;
}

}  // namespace piu::torch_util
