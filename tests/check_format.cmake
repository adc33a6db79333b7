# Fails when any C++ file of the project differs from what .clang-format makes of it.
# Arguments: CLANG_FORMAT, SOURCE_DIR.
file(GLOB_RECURSE files
     ${SOURCE_DIR}/sim/*.cpp ${SOURCE_DIR}/sim/*.hpp ${SOURCE_DIR}/agents/*.cpp
     ${SOURCE_DIR}/agents/*.hpp ${SOURCE_DIR}/analysis/*.cpp ${SOURCE_DIR}/analysis/*.hpp
     ${SOURCE_DIR}/api/*.cpp ${SOURCE_DIR}/api/*.hpp ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.hpp ${SOURCE_DIR}/bench/*.cpp
     ${SOURCE_DIR}/bench/*.hpp ${SOURCE_DIR}/python/*.cpp ${SOURCE_DIR}/tests/*.cpp
     ${SOURCE_DIR}/tests/*.hpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "not formatted; run clang-format -i on these files:\n${err}")
endif()
