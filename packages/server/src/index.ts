export * from "./storage/log-store.js";
