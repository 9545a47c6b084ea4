//! The `html!` template macro. (Skeleton.)
use proc_macro::TokenStream;

/// Compiles a template into a `Rendered` tree.
#[proc_macro]
pub fn html(_input: TokenStream) -> TokenStream {
    "compile_error!(\"html! is not implemented yet\")".parse().unwrap()
}
