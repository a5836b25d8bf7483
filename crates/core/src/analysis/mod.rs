//! What a caller does with a loaded scenario: estimate it, compare plans,
//! sweep a parameter, solve for the value of one that reaches a target, find who and what it is sensitive to. Every analysis
//! runs its models through one driver (`variants`) on common random numbers.

pub mod compare;
pub mod estimate;
pub mod per_trial;
pub mod sensitivity;
pub mod solve;
pub mod sweep;
pub mod variants;
