//! `src/mock.rs` (the `test-util` feature): the set of test doubles a client is built on and the
//! runtime's rule types under the SDK's name. Each resource module adds its accessor to `Mocks`,
//! so that this module, declared before the resources, imports none of them.

use super::doc;
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let core = ident(&super::manifest::core_name(api).replace('-', "_"));
    let builder = &api.builder;
    let mocks_doc = doc(&format!(
        "A set of test doubles: the rules that answer the calls of the clients built on it with \
         [`{builder}::mock`](crate::{builder}::mock). Declare rules at any time, before or after \
         building clients; each resource's rules come from the accessor named like the \
         client's, with one method per operation. Clones share the rules.\n\n\
         A call that no rule answers fails the test (it panics), naming the operation and its \
         input."
    ));
    quote! {
        //! Test doubles of the API (the `test-util` feature), for the tests of code that uses the
        //! client: rules that answer its calls with outputs, errors of the spec's error classes,
        //! `success: false` envelopes, any HTTP response or transport failures, with or without
        //! a delay, in place of the API and without any socket. See the crate docs' section
        //! "Testing your code" for an example.
        //!
        //! The client is the one your code uses, built with `.mock(&mocks)`, so a test fails the
        //! way production would: the token kind, the preconditions, the path parameters and the
        //! hookId are checked before a rule is asked, retries, timeouts, the response body limit,
        //! envelopes and error classes apply to the answers, and a list's `into_pages` walks the
        //! pages a rule serves.
        //!
        //! Rules are asked in the order they were declared: the first of the call's operation
        //! that matches its input and has an answer left answers it.

        #[doc(inline)]
        pub use #core::doubles::{Answer, Call, Input, NoPages, Request, Rule, RuleBuilder};
        #[doc(inline)]
        pub use crate::error::ErrorClass;
        // For the resources' rule handles, not for users.
        #[doc(hidden)]
        pub use #core::doubles::Registry;

        #mocks_doc
        #[derive(Debug, Clone, Default)]
        pub struct Mocks {
            // A field, not a method, so that a resource's accessor may take any name.
            pub(crate) registry: std::sync::Arc<Registry>,
        }

        impl Mocks {
            /// A set without rules.
            pub fn new() -> Self {
                Self::default()
            }

            /// Fails the test (it panics), listing each problem, if a call was unexpected (its
            /// panic may have gone unseen on a task the test did not join), a rule answered no
            /// call, or a sequence of `once`/`times`/`in_turn` answers was not used up: call it
            /// at the end of a test that expects every rule to be used, like wiremock's `expect`.
            pub fn verify(&self) {
                self.registry.verify();
            }
        }
    }
}
