-- Once, as a superuser: the role and database callshield uses. callshield creates its tables
-- itself (migrations/, run at start under an advisory lock, so processes can start together).
create role callshield login password 'CHANGE_ME';
create database callshield owner callshield;
